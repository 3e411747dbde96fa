// middleware.go holds the request flow shared by every source store: find
// the old cookie cheaply, load it once, write the new keys, remove the old.

package migrate

import (
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/fullsession/fullsession/clientsession"
)

// errUndecodable marks an old cookie that does not decode: wrong key,
// expired, tampered, or a token its store does not know.
var errUndecodable = errors.New("migrate: old session cookie does not decode")

// source is one old session library, seen the way the migration needs it.
type source struct {
	kind   string // "gorilla" or "scs"
	cookie string // the old cookie's name
	// load decodes the old session of r. err is errUndecodable (wrapped or
	// not) for bad old data, anything else for a failure of the store.
	// destroy removes the server-side entry, if any, and expires the
	// cookie on w.
	load func(r *http.Request) (old map[string]any, destroy func(w http.ResponseWriter, r *http.Request) error, err error)
	// expire writes a Set-Cookie that removes the old cookie.
	expire func(w http.ResponseWriter)
}

// handler returns the middleware for src.
func (p *plan) handler(src *source) func(http.Handler) http.Handler {
	var warnOnce sync.Once
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw, ok := oldCookie(r.Header, src.cookie)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			s := clientsession.From(r)
			if s == nil {
				warnOnce.Do(func() {
					p.log.Error("migrate: no clientsession.Session on the request: install the migrator inside Manager.Middleware")
				})
				next.ServeHTTP(w, r)
				return
			}
			p.report(r, p.migrate(w, r, s, src, raw))
			next.ServeHTTP(w, r)
		})
	}
}

// migrate moves the old session of r into s. It never fails the request.
func (p *plan) migrate(w http.ResponseWriter, r *http.Request, s *clientsession.Session, src *source, raw string) Result {
	res := Result{Source: src.kind}
	if p.already(s) {
		res.Already = true
		if !p.KeepOld {
			src.expire(w)
		}
		return res
	}
	out, leader := p.load(r, src, raw)
	switch {
	case out.undecodable:
		res.Undecodable = true
		src.expire(w)
		return res
	case out.err != nil:
		res.Err = out.err // keep the old cookie: the store may come back
		return res
	}
	res.Unmapped = out.unmapped
	res.Dropped = append(res.Dropped, out.dropped...)
	p.write(s, out.vals, p.oldNames(), &res)
	switch {
	case p.KeepOld:
	case leader && out.destroy != nil:
		if err := out.destroy(w, r); err != nil {
			res.Err = err // the old cookie stays; the next request retries
		}
	default:
		src.expire(w) // the first request destroyed the server-side entry
	}
	return res
}

// load runs src.load once per old cookie value while the grace window lasts.
func (p *plan) load(r *http.Request, src *source, raw string) (outcome, bool) {
	run := func() outcome {
		old, destroy, err := src.load(r)
		if errors.Is(err, errUndecodable) {
			return outcome{undecodable: true}
		}
		if err != nil {
			return outcome{err: err}
		}
		out := outcome{destroy: destroy}
		var res Result
		out.vals = p.convert(old, &res)
		out.unmapped, out.dropped = res.Unmapped, res.Dropped
		return out
	}
	if p.flight == nil {
		return run(), true
	}
	return p.flight.do(src.kind+"\x00"+raw, run)
}

// oldCookie returns the value of the cookie called name in h without
// allocating, and whether it is there. Surrounding quotes are removed, as
// net/http does.
func oldCookie(h http.Header, name string) (string, bool) {
	for _, line := range h["Cookie"] {
		for line != "" {
			var pair string
			pair, line, _ = strings.Cut(line, ";")
			pair = strings.TrimLeft(pair, " \t")
			n, v, ok := strings.Cut(pair, "=")
			if !ok || strings.TrimRight(n, " \t") != name {
				continue
			}
			v = strings.TrimRight(v, " \t")
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if v == "" {
				return "", false
			}
			return v, true
		}
	}
	return "", false
}
