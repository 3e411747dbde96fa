// The per-request state: the route's declaration and tags, shared by
// Middleware, route declarations, Tag and the writer.

package cachehint

import (
	"context"
	"net/http"
	"slices"
	"sync"
)

// state is what cachehint knows about one request: the route's
// declaration and its tags. Route middlewares and Tag fill it in; the
// writer reads it when headers are sent.
type state struct {
	cfg *config

	mu        sync.Mutex
	mode      Mode
	public    policyHeaders // for ModePublic
	pattern   string
	tags      []string
	committed bool
}

type ctxKey struct{}

func (ctxKey) String() string { return "cachehint state" }

func stateFrom(ctx context.Context) *state {
	st, _ := ctx.Value(ctxKey{}).(*state)
	return st
}

// observe records what only the routed request knows: its pattern.
func (st *state) observe(r *http.Request) {
	if r.Pattern != "" {
		st.pattern = r.Pattern
	}
}

func (st *state) declare(m Mode, ph policyHeaders, r *http.Request) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.mode, st.public = m, ph
	st.observe(r)
}

func (st *state) addTags(r *http.Request, tags []string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.observe(r)
	for _, t := range tags {
		switch {
		case !ValidTag(t):
			st.cfg.dropTag(r, patternOf(r, st), t, "not an RFC 9110 token")
		case st.committed:
			st.cfg.dropTag(r, patternOf(r, st), t, "added after the response headers were sent")
		case !slices.Contains(st.tags, t):
			st.tags = append(st.tags, t)
		}
	}
}

// patternOf returns the route pattern for reports: what a route middleware
// saw, else r.Pattern (Go ServeMux; chi v5.1+ sets it too), else the path.
// The caller holds st.mu.
func patternOf(r *http.Request, st *state) string {
	if st != nil && st.pattern != "" {
		return st.pattern
	}
	if r.Pattern != "" {
		return r.Pattern
	}
	return r.URL.Path
}
