package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"
)

// corsPolicy answers browsers' cross-origin checks for an allow-list of origins ("*" for any).
// Without origins the server sends no CORS headers, so browsers keep pages of other origins out.
type corsPolicy struct {
	any     bool
	origins []string
}

func newCORS(origins []string) (*corsPolicy, error) {
	c := &corsPolicy{}
	for _, o := range origins {
		switch {
		case o == "*":
			c.any = true
		case strings.HasPrefix(o, "http://") || strings.HasPrefix(o, "https://"):
			c.origins = append(c.origins, strings.TrimSuffix(o, "/"))
		default:
			return nil, errors.New("api: CORS origin " + o + " must be \"*\" or start with http:// or https://")
		}
	}
	return c, nil
}

func (c *corsPolicy) allows(origin string) bool {
	return c.any || slices.Contains(c.origins, origin)
}

// exposedHeaders are the response headers a browser page may read.
const exposedHeaders = "X-Request-Id, X-Total-Time, X-Tokenization-Time, X-Queue-Time, X-Inference-Time, X-Compute-Tokens, Retry-After"

// cors sets the CORS headers for allowed origins and answers their preflight requests itself
// (before authentication, since browsers send preflights without credentials).
func (s *Server) cors(next http.Handler) http.Handler {
	if !s.corsPolicy.any && len(s.corsPolicy.origins) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !s.corsPolicy.allows(origin) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", exposedHeaders)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-API-Key, X-Request-Id")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
