package clientsession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

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

// A flash message: POST /login sets it, the next page pops it, so it
// shows once; the deletion goes out with that page.
func ExampleSession_Pop() {
	m, err := clientsession.New(clientsession.Options{
		Keys:     [][]byte{[]byte("an example secret of 32+ bytes!!")},
		Insecure: true, // plain HTTP in this example
	})
	if err != nil {
		panic(err)
	}
	page := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var flash string
		if found, _ := clientsession.From(r).Pop("flash", &flash); found {
			fmt.Fprintf(w, "<p class=flash>%s</p>", flash)
		}
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", "session.flash=%22Welcome%20back%2C%20Ann%22")
	rec := httptest.NewRecorder()
	page.ServeHTTP(rec, req)
	fmt.Println(rec.Body.String())
	fmt.Println(rec.Header().Get("Set-Cookie"))
	// Output:
	// <p class=flash>Welcome back, Ann</p>
	// session.flash=; Path=/; SameSite=Lax; Max-Age=0
}

// Per-write lifetimes: "remember me" for 30 days, a short-lived token, and
// a cookie that ends when the browser closes.
func ExampleSession_SetWith() {
	m, err := clientsession.New(clientsession.Options{
		Keys:     [][]byte{[]byte("an example secret of 32+ bytes!!")},
		Insecure: true,
	})
	if err != nil {
		panic(err)
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		s.SetWith("remember", true, clientsession.SetOptions{MaxAge: 30 * 24 * time.Hour})
		s.SetWith("_reset", "tok-1", clientsession.SetOptions{MaxAge: 10 * time.Minute}) // Private: sealed expiry 10 min too
		s.SetWith("tab", "map", clientsession.SetOptions{Session: true})
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/login", nil))
	for _, c := range rec.Result().Cookies() {
		fmt.Println(c.Name, c.MaxAge, c.HttpOnly)
	}
	// Output:
	// session.remember 2592000 false
	// session._reset 600 true
	// session.tab 0 false
}

// Secrets come from a flag or the environment as text; ParseKeys decodes
// them. The first signs and seals; the others are kept for rotation.
func ExampleParseKeys() {
	keys, err := clientsession.ParseKeys(
		"8f3b0c3d2a51e6f7c9d0b1a2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2," + // hex: new
			"NbWzZ3yJ0cK2n8m5Qx7Lr1Vt4Pq6Hs9Gd3Fa5Jk7Ml0=") // base64: old
	if err != nil {
		panic(err)
	}
	fmt.Println(len(keys), len(keys[0]), len(keys[1]))
	_, err = clientsession.ParseKeys("0123456789abcdef0123456789abcdef") // 16 bytes of hex
	fmt.Println(err)
	// Output:
	// 2 32 32
	// clientsession: ParseKeys: secret 1 decodes to 16 bytes, need at least 32
}
