package clientsession_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fullsession/fullsession/clientsession"
)

type parentKey struct{}

// TestMiddlewareContext checks that the request context the middleware
// builds without context.WithValue behaves as WithValue's would: the
// Session under its key, the parent's values, deadline, cancellation and
// cause, derived contexts cancelled with it, and the innermost of two
// nested middlewares winning.
func TestMiddlewareContext(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	inner, _ := newManager(t, clientsession.Options{})
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(context.Background(), parentKey{}, "v"), deadline)
	parent, cancelCause := context.WithCancelCause(parent)
	defer cancel()
	cause := errors.New("client went away")
	var outer *clientsession.Session
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		outer = clientsession.From(r)
		inner.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			s := clientsession.From(r)
			if s == nil || s == outer {
				t.Fatalf("inner From = %p, outer %p: want the inner session", s, outer)
			}
			if clientsession.FromContext(ctx) != s {
				t.Error("FromContext differs from From")
			}
			if got := ctx.Value(parentKey{}); got != "v" {
				t.Errorf("parent value = %v", got)
			}
			if d, ok := ctx.Deadline(); !ok || !d.Equal(deadline) {
				t.Errorf("Deadline = %v, %v", d, ok)
			}
			if !strings.Contains(ctx.(interface{ String() string }).String(), "WithValue") {
				t.Errorf("String = %q", ctx)
			}
			child, stop := context.WithCancel(ctx)
			defer stop()
			fired := make(chan struct{})
			context.AfterFunc(ctx, func() { close(fired) })
			if ctx.Err() != nil || child.Err() != nil {
				t.Fatal("cancelled too early")
			}
			cancelCause(cause)
			select {
			case <-child.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("a context derived from the request's was not cancelled with it")
			}
			<-fired
			if ctx.Err() != context.Canceled || context.Cause(ctx) != cause || context.Cause(child) != cause {
				t.Errorf("Err %v, Cause %v, child's Cause %v", ctx.Err(), context.Cause(ctx), context.Cause(child))
			}
		})).ServeHTTP(w, r)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(parent))
	if outer == nil {
		t.Fatal("handler did not run")
	}
}

// TestMiddlewareRequestKept checks that a handler keeping the request and
// session after returning sees its own request and data only: each
// request gets its own Session and request copy, never reused.
func TestMiddlewareRequestKept(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	type kept struct {
		r *http.Request
		s *clientsession.Session
	}
	var all []kept
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read before returning: the response then says Vary: Cookie, and
		// later reads of the kept Session still see its values.
		clientsession.Get[string](clientsession.From(r), "lang")
		all = append(all, kept{r, clientsession.From(r)})
	}))
	for _, v := range []string{"a", "b", "c"} {
		req := httptest.NewRequest("GET", "/"+v, nil)
		req.Header.Set("Cookie", "session.lang="+`%22`+v+`%22`)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	for i, v := range []string{"a", "b", "c"} {
		k := all[i]
		if k.r.URL.Path != "/"+v || clientsession.From(k.r) != k.s {
			t.Errorf("request %d: path %q, session %p vs %p", i, k.r.URL.Path, clientsession.From(k.r), k.s)
		}
		if got, ok, err := clientsession.Get[string](k.s, "lang"); !ok || err != nil || got != v {
			t.Errorf("request %d kept: lang = %q, %v, %v; want %q", i, got, ok, err, v)
		}
	}
}
