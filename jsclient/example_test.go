package jsclient_test

import (
	"fmt"
	"html/template"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/jsclient"
)

// page shows the visitor's name from the session cookie, filled in by the
// page itself so that the HTML can be cached and shared.
var page = template.Must(template.New("page").Parse(`<!doctype html>
<link rel="modulepreload" href="{{.}}">
<p>Hello, <span id="name">guest</span></p>
<script type="module">
  import session from {{.}} // html/template quotes it as a JS string
  const user = session.get("user")
  if (user) document.querySelector("#name").textContent = user.name
  session.onChange(({ key, value }) => key === "user" && location.reload())
</script>
`))

func Example() {
	m, err := clientsession.New(clientsession.Options{
		Keys: [][]byte{[]byte(os.Getenv("SESSION_KEY") + "an example secret of at least 32 bytes")},
	})
	if err != nil {
		log.Fatal(err)
	}
	js := jsclient.New(m, jsclient.Options{}) // once, next to the Manager
	mux := http.NewServeMux()
	mux.Handle(js.Path(), js) // "/_session/"
	mux.Handle("/", m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clientsession.From(r).Set("user", map[string]string{"name": "Ann Lee"})
		page.Execute(w, js.URL())
	})))

	// What a browser gets: the page, then the one file it imports.
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Header().Get("Set-Cookie")[:len("__Host-session.user=")] + "…")
	fmt.Println(strings.Contains(rec.Body.String(), `<link rel="modulepreload" href="`+js.URL()+`">`))

	req := httptest.NewRequest("GET", js.URL(), nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Encoding"))
	fmt.Println(rec.Header().Get("Cache-Control"))
	fmt.Println(rec.Header().Get("Vary"))
	// Output:
	// __Host-session.user=…
	// true
	// 200 text/javascript; charset=utf-8 gzip
	// public, max-age=31536000, immutable
	// Accept-Encoding
}
