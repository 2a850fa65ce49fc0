package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/bertserve/bertserve/internal/errs"
)

// apiKeys checks API keys. Keys are kept as sha256 digests so that every comparison has the same
// length, and a candidate is compared with every key, so that the time taken says nothing about
// which key, or how much of one, it matched.
type apiKeys struct {
	digests [][sha256.Size]byte
	public  map[string]bool // paths served without a key
}

func newAPIKeys(keys []string, protectMetrics bool) (*apiKeys, error) {
	a := &apiKeys{public: map[string]bool{"/healthz": true, "/readyz": true, "/health": true}}
	if !protectMetrics {
		a.public["/metrics"] = true
	}
	for _, k := range keys {
		if strings.TrimSpace(k) != k || k == "" {
			return nil, errors.New("api: an API key is empty or has surrounding spaces")
		}
		a.digests = append(a.digests, sha256.Sum256([]byte(k)))
	}
	return a, nil
}

func (a *apiKeys) valid(candidate string) bool {
	d := sha256.Sum256([]byte(candidate))
	ok := 0
	for i := range a.digests {
		ok |= subtle.ConstantTimeCompare(d[:], a.digests[i][:])
	}
	return ok == 1
}

// presentedKey is the key a request carries: "Authorization: Bearer <key>" (OpenAI's and TEI's
// clients send it so) or "X-API-Key: <key>".
func presentedKey(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, key, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(key), true
		}
		return "", false
	}
	if k := r.Header.Get("X-API-Key"); k != "" {
		return k, true
	}
	return "", false
}

// requireAPIKey answers 401 to requests without a valid key on every path but the public ones.
// With no keys configured it lets everything through.
func (s *Server) requireAPIKey(next http.Handler) http.Handler {
	if len(s.keys.digests) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.keys.public[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		key, ok := presentedKey(r)
		if !ok || !s.keys.valid(key) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="bertserve"`)
			msg := "a valid API key is required: send it as \"Authorization: Bearer <key>\""
			if ok {
				msg = "the API key is not valid"
			}
			s.writeError(w, r, errs.New(errs.Unauthorized, "%s", msg))
			return
		}
		next.ServeHTTP(w, r)
	})
}
