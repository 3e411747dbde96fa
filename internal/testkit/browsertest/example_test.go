// example_test.go shows a test that runs in the three engines.
package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fullsession/fullsession/internal/testkit/browsertest"
)

// A browser test written once and run in Chromium, Firefox and WebKit.
// (In a test file: TestMain calls browsertest.Main, and this body is a
// Test function's.)
func Example() {
	t := &testing.T{} // the *testing.T of the test
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "note", Value: "a b,c", Path: "/"})
	}))
	defer srv.Close()

	browsertest.Each(t, func(t *testing.T, e browsertest.Engine) {
		p := browsertest.NewProfile(t, e) // fresh cookies, closed with the test
		tab := browsertest.NewTab(t, p)
		browsertest.Navigate(t, tab, srv.URL)
		var cookie string
		browsertest.Eval(t, tab, `return document.cookie`, &cookie)
		fmt.Println(e.Name(), cookie)
	})
}
