package migrate_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gorilla/sessions"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/clientsession/migrate"
)

// A gorilla CookieStore session is moved into clientsession on the first
// request after the switch: the handler sees the user, and the response
// expires the old cookie.
func ExampleFromGorilla() {
	// The site's existing store, unchanged, and a cookie it wrote earlier.
	store := sessions.NewCookieStore([]byte("the-old-hash-key-0123456789abcde"))
	old := httptest.NewRecorder()
	s, _ := store.New(httptest.NewRequest("GET", "/", nil), "app")
	s.Values["user_id"] = 42
	s.Save(httptest.NewRequest("GET", "/", nil), old)
	oldCookie := old.Result().Cookies()[0]

	m, _ := clientsession.New(clientsession.Options{
		Keys:     [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
		Insecure: true,
	})
	mapping := migrate.Mapping{
		Manager: m,
		Keys:    map[string]migrate.Key{"user_id": {To: "_auth_user_id", Protection: clientsession.Private}},
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, found, _ := clientsession.Get[int](clientsession.From(r), "_auth_user_id")
		fmt.Println("user:", id, found)
	})
	h := m.Middleware(migrate.FromGorilla(store, "app", mapping)(app))

	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(oldCookie)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	for _, c := range w.Result().Cookies() {
		fmt.Println(c.Name, "expired:", c.MaxAge < 0)
	}
	// Output:
	// user: 42 true
	// app expired: true
	// session._auth_user_id expired: false
}
