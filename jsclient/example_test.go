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
	mux := http.NewServeMux()
	mux.Handle(jsclient.Path, jsclient.Handler(m))
	mux.Handle("/", m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clientsession.From(r).Set("user", map[string]string{"name": "Ann Lee"})
		page.Execute(w, jsclient.ScriptURL(m))
	})))

	// What a browser gets: the page, then the module it imports.
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Header().Get("Set-Cookie")[:len("session.user=")] + "…")
	script := jsclient.ScriptURL(m)
	fmt.Println(strings.Contains(rec.Body.String(), `<link rel="modulepreload" href="`+script+`">`))

	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", script, nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Header().Get("Cache-Control"))
	// Output:
	// session.user=…
	// true
	// 200 text/javascript; charset=utf-8
	// public, max-age=31536000, immutable
}
