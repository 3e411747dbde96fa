// idle_public_test.go tests that an idle renewal never makes a response
// personal: it happens only when the handler reads the value (issue 14).

package clientsession

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestIdleRenewalOnlyWhenTheHandlerReads(t *testing.T) {
	r := newBindRig(t, Options{IdleTimeout: time.Hour})
	jar := r.login("ann", "Ann")
	r.clk.add(45 * time.Minute) // under half the window left: due

	serve := func(h http.HandlerFunc) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/properties/42", nil)
		req.Header.Set("Cookie", jar)
		rec := httptest.NewRecorder()
		r.m.Middleware(h).ServeHTTP(rec, req)
		return rec
	}
	// A public page: it never touches the session, as cached pages do.
	public := serve(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "public, s-maxage=86400")
		w.Write([]byte("the same for everyone"))
	})
	assert.Empty(t, public.Header().Values("Set-Cookie"), "due, but not read: not renewed")
	assert.Empty(t, public.Header().Values("Vary"))
	assert.Equal(t, "public, s-maxage=86400", public.Header().Get("Cache-Control"), "still shareable")

	// Writing a Public key reads no Signed or Private value... except the
	// declared ones counted for the size limit: whatever it renews goes out
	// on a response that sets a cookie, which is private anyway.
	set := serve(func(w http.ResponseWriter, req *http.Request) {
		From(req).Set("theme", "dark")
	})
	assert.Equal(t, "private, no-store", set.Header().Get("Cache-Control"))

	// The same request, read by the handler: renewed, and private.
	read := serve(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Cache-Control", "public, s-maxage=86400")
		Get[string](From(req), "user")
	})
	assert.NotEmpty(t, read.Header().Values("Set-Cookie"))
	assert.Equal(t, "private, no-store", read.Header().Get("Cache-Control"), "a renewal is never shared")
	assert.Contains(t, read.Header().Values("Vary"), "Cookie")
}
