// example_partitioned_test.go is the runnable example of Options.Partitioned.

package clientsession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/fullsession/fullsession/clientsession"
)

// A site embedded in third-party frames (a chat widget, a map) gets CHIPS
// cookies, kept per top-level site. Partitioned requires Secure, and a
// cross-site frame needs SameSite=None.
func ExampleOptions_partitioned() {
	_, err := clientsession.New(clientsession.Options{
		Keys:        [][]byte{[]byte("an example secret of 32+ bytes!!")},
		Partitioned: true,
		Insecure:    true,
	})
	fmt.Println(err != nil)

	m, err := clientsession.New(clientsession.Options{
		Keys:        [][]byte{[]byte("an example secret of 32+ bytes!!")},
		Partitioned: true,
		SameSite:    http.SameSiteNoneMode,
	})
	if err != nil {
		panic(err)
	}
	rec := httptest.NewRecorder()
	m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clientsession.From(r).Set("lang", "fr")
	})).ServeHTTP(rec, httptest.NewRequest("GET", "https://widget.example/", nil))
	fmt.Println(rec.Header().Get("Set-Cookie"))
	// Output:
	// true
	// __Host-session.lang=%22fr%22; Path=/; Secure; SameSite=None; Partitioned; Max-Age=1209600
}
