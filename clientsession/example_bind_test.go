// example_bind_test.go holds the runnable examples of Renew and
// IdleTimeout.
package clientsession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/fullsession/fullsession/clientsession"
)

// exampleRequest serves one request with the given cookies and returns
// the cookies a browser would then hold.
func exampleRequest(h http.Handler, cookies string) string {
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", cookies)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	kept := map[string]string{}
	var order []string
	for _, p := range strings.Split(cookies, "; ") {
		if n, v, ok := strings.Cut(p, "="); ok {
			kept[n], order = v, append(order, n)
		}
	}
	for _, c := range rec.Result().Cookies() {
		if _, ok := kept[c.Name]; !ok {
			order = append(order, c.Name)
		}
		kept[c.Name] = c.Value
	}
	var out []string
	for _, n := range order {
		if kept[n] != "" {
			out = append(out, n+"="+kept[n])
		}
	}
	return strings.Join(out, "; ")
}

// After a password change, revoke every copy of the user's cookies and
// keep this browser signed in with Renew.
func ExampleSession_Renew() {
	revoker := clientsession.NewMemoryRevoker(0)
	m, err := clientsession.New(clientsession.Options{
		Keys:    [][]byte{[]byte("an example secret of 32+ bytes!!")},
		Revoker: revoker,
	})
	if err != nil {
		panic(err)
	}
	login := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clientsession.From(r).Set("_auth_user_id", "ann") // a login: binds the session
	}))
	changePassword := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		id, found, _ := clientsession.Get[string](s, "_auth_user_id") // read first
		if !found {
			http.Error(w, "log in first", http.StatusForbidden)
			return
		}
		// ... store the new password, then:
		revoker.Revoke(id, time.Now()) // every copy, on every device, is void
		s.Renew()                      // except this browser's, re-issued now
	}))
	whoami := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, found, _ := clientsession.Get[string](clientsession.From(r), "_auth_user_id")
		fmt.Println(id, found)
	}))

	stolen := exampleRequest(login, "")
	time.Sleep(2 * time.Millisecond) // later: revocation compares milliseconds
	mine := exampleRequest(changePassword, stolen)
	exampleRequest(whoami, mine)
	exampleRequest(whoami, stolen)
	// Output:
	// ann true
	//  false
}

// With an idle timeout, a value the handler reads in the second half of
// its window is re-sealed with a new last-seen time; a copy that is not
// used ages out, even before MaxAge.
func ExampleOptions_idleTimeout() {
	m, err := clientsession.New(clientsession.Options{
		Keys:        [][]byte{[]byte("an example secret of 32+ bytes!!")},
		IdleTimeout: 4 * time.Second, // minutes in production
	})
	if err != nil {
		panic(err)
	}
	login := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clientsession.From(r).Set("_auth_user_id", "ann")
	}))
	page := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, found, _ := clientsession.Get[string](clientsession.From(r), "_auth_user_id")
		fmt.Println(id, found)
	}))

	copied := exampleRequest(login, "")
	time.Sleep(2200 * time.Millisecond) // under half of the window left
	active := exampleRequest(page, copied)
	fmt.Println("renewed:", active != copied)
	time.Sleep(2200 * time.Millisecond) // the copy's window is over
	exampleRequest(page, active)
	exampleRequest(page, copied)
	// Output:
	// ann true
	// renewed: true
	// ann true
	//  false
}
