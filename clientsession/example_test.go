package clientsession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/fullsession/fullsession/clientsession"
)

// A handler reads a Signed user and a Private id, and changes a Public key.
// Only the changed key is written back.
func Example() {
	m, err := clientsession.New(clientsession.Options{
		Keys:       [][]byte{[]byte("an example secret of 32+ bytes!!")},
		Protection: map[string]clientsession.Protection{"user": clientsession.Signed},
	})
	if err != nil {
		panic(err)
	}
	type User struct{ Name string }

	login := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		s.Set("user", User{Name: "Ann Lee, Jr"}) // Signed: scripts can read it
		s.Set("_auth_user_id", 42)               // Private: sealed, HttpOnly
	}))
	rec := httptest.NewRecorder()
	login.ServeHTTP(rec, httptest.NewRequest("POST", "/login", nil))
	var cookies []string
	for _, c := range rec.Result().Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}

	page := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		u, _, _ := clientsession.Get[User](s, "user")
		id, _, _ := clientsession.Get[int](s, "_auth_user_id")
		s.Set("lang", "fr")
		fmt.Fprintf(w, "hello %s (%d)", u.Name, id)
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", strings.Join(cookies, "; "))
	rec = httptest.NewRecorder()
	page.ServeHTTP(rec, req)
	fmt.Println(rec.Body.String())
	fmt.Println(rec.Header().Values("Set-Cookie"))
	fmt.Println(rec.Header().Get("Vary"), "|", rec.Header().Get("Cache-Control"))
	// Output:
	// hello Ann Lee, Jr (42)
	// [__Host-session.lang=%22fr%22; Path=/; Secure; SameSite=Lax; Max-Age=1209600]
	// Cookie | private, no-store
}
