// Runnable examples: the documented installation, ETag and VarnishPurger.

package cachehint_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/clientsession"
)

func Example() {
	sessions, err := clientsession.New(clientsession.Options{
		Keys: [][]byte{[]byte("an example key of 32 bytes or more!")},
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	// cachehint outside the session middleware: it sees the session's
	// Set-Cookie and Vary: Cookie when it decides.
	site := cachehint.Middleware(cachehint.Options{
		TagHeaders: []cachehint.TagHeader{cachehint.XKey},
		OnConflict: func(r *http.Request, pattern, reason string) {
			fmt.Printf("conflict on %s: %s\n", pattern, reason)
		},
	})(sessions.Middleware(mux))
	public := cachehint.Public(cachehint.Policy{
		MaxAge:               time.Minute,
		SharedMaxAge:         time.Hour,
		StaleWhileRevalidate: 30 * time.Second,
		StaleIfError:         24 * time.Hour,
	})
	// The same for everybody: shared caches may keep it for an hour.
	mux.Handle("GET /properties/{id}", public(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cachehint.Tag(r, "property-"+r.PathValue("id"))
		io.WriteString(w, "<h1>Property</h1><p id=greeting><!-- filled in by jsclient --></p>")
	})))
	// A mistake: a public route that reads the session.
	mux.Handle("GET /hello", public(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, _, _ := clientsession.Get[string](clientsession.From(r), "name")
		io.WriteString(w, "hello "+name)
	})))
	mux.Handle("GET /account", cachehint.NoStore()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "account")
	})))

	for _, path := range []string{"/properties/42", "/hello", "/account"} {
		rec := httptest.NewRecorder()
		site.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		h := rec.Result().Header
		fmt.Println(path)
		fmt.Printf("  Cache-Control: %s\n", h.Get("Cache-Control"))
		for _, k := range []string{"CDN-Cache-Control", "Xkey", "Vary"} {
			if v := h.Get(k); v != "" {
				fmt.Printf("  %s: %s\n", k, v)
			}
		}
	}
	// Output:
	// /properties/42
	//   Cache-Control: public, max-age=60, s-maxage=3600
	//   CDN-Cache-Control: max-age=3600, stale-while-revalidate=30, stale-if-error=86400
	//   Xkey: property-42
	// conflict on GET /hello: the response varies on Cookie (Vary: Cookie: the handler read the session, or said it depends on cookies)
	// /hello
	//   Cache-Control: private, no-cache
	//   Vary: Cookie
	// /account
	//   Cache-Control: no-store
}

func ExampleETag() {
	mux := http.NewServeMux()
	news := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "today's news")
	})
	mux.Handle("GET /news", cachehint.Public(cachehint.Policy{MaxAge: time.Minute})(cachehint.ETag(news)))
	r := cachehint.Middleware(cachehint.Options{})(mux)

	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/news", nil))
	etag := rec.Header().Get("ETag")
	fmt.Println(rec.Code, rec.Header().Get("Cache-Control"))

	req := httptest.NewRequest("GET", "/news", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Cache-Control"), rec.Header().Get("ETag") == etag, rec.Body.Len())
	// Output:
	// 200 public, max-age=60
	// 304 public, max-age=60 true 0
}

func ExampleVarnishPurger() {
	// After a property changes, evict every cached page that shows it.
	var p cachehint.Purger = &cachehint.VarnishPurger{URL: "http://127.0.0.1:6081"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Purge(ctx, "property-42"); err != nil {
		log.Print(err)
	}
}
