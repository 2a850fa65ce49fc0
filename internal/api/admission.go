package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/bertserve/bertserve/internal/errs"
)

// admission bounds the work the server accepts: at most max POST requests (every route that runs
// a model or the tokenizer) are handled at once, and each gets a deadline. A request beyond the
// limit is answered 429 with Retry-After at once, so that a burst costs the server nothing and
// clients back off instead of piling up in queues; a request past its deadline has its queued
// inputs dropped before they reach the model and is answered 504. GET routes (health, metrics,
// docs) are never limited, so probes keep working under load.
type admission struct {
	slots   chan struct{} // nil: no limit
	timeout time.Duration // 0: no deadline
}

func newAdmission(maxConcurrent int, timeout time.Duration) (*admission, error) {
	if maxConcurrent < 0 {
		return nil, fmt.Errorf("api: MaxConcurrent must not be negative, not %d", maxConcurrent)
	}
	if timeout < 0 {
		return nil, fmt.Errorf("api: RequestTimeout must not be negative, not %s", timeout)
	}
	a := &admission{timeout: timeout}
	if maxConcurrent > 0 {
		a.slots = make(chan struct{}, maxConcurrent)
	}
	return a, nil
}

// admit is the middleware; reject writes the 429.
func (a *admission) admit(reject func(http.ResponseWriter, *http.Request, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost {
				next.ServeHTTP(w, r)
				return
			}
			if a.slots != nil {
				select {
				case a.slots <- struct{}{}:
					defer func() { <-a.slots }()
				default:
					reject(w, r, errs.New(errs.Overloaded,
						"the server is handling %d requests, its limit; retry later", cap(a.slots)))
					return
				}
			}
			if a.timeout > 0 {
				ctx, cancel := context.WithTimeout(r.Context(), a.timeout)
				defer cancel()
				r = r.WithContext(ctx)
			}
			next.ServeHTTP(w, r)
		})
	}
}
