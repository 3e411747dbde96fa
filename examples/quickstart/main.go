// Command quickstart is the README's example: a chi app whose session lives
// in the browser, one cookie per key. Run it with
//
//	go run ./examples/quickstart              # http://127.0.0.1:8080
//	go run ./examples/quickstart -addr :8080  # every interface
package main

import (
	"crypto/rand"
	"flag"
	"html/template"
	"log"
	"net/http"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/go-chi/chi/v5"
)

type User struct {
	Name string `json:"name"`
}

var page = template.Must(template.New("").Parse(`<!doctype html><title>quickstart</title>
{{if .Login}}<form method="post" action="/login"><p>{{.Error}}</p>
  <label>Your name <input name="name" value="{{.Name}}" required></label> <button>Log in</button></form>
{{else if .Name}}<p>Hello, {{.Name}}.</p><form method="post" action="/logout"><button>Log out</button></form>
{{else}}<p>Hello, stranger. <a href="/login">Log in</a></p>{{end}}`))

type view struct {
	Login       bool
	Name, Error string
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address; :8080 for every interface")
	flag.Parse()
	secret := make([]byte, 32) // in production: load it, and keep the old one for rotation
	rand.Read(secret)
	m, err := clientsession.New(clientsession.Options{
		Keys:       [][]byte{secret},
		Insecure:   true, // plain HTTP for development; remove behind TLS
		Protection: map[string]clientsession.Protection{"user": clientsession.Signed},
	})
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("open http://%s", *addr)
	log.Fatal(http.ListenAndServe(*addr, http.NewCrossOriginProtection().Handler(routes(m))))
}

func routes(m *clientsession.Manager) http.Handler {
	r := chi.NewRouter()
	r.Use(m.Middleware)
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		// A missing, tampered or expired cookie reads as not found.
		u, _, _ := clientsession.Get[User](clientsession.From(r), "user")
		page.Execute(w, view{Name: u.Name})
	})
	r.Get("/login", func(w http.ResponseWriter, r *http.Request) {
		page.Execute(w, view{Login: true})
	})
	r.Post("/login", func(w http.ResponseWriter, r *http.Request) {
		s, name := clientsession.From(r), r.PostFormValue("name")
		if name == "" {
			w.WriteHeader(http.StatusBadRequest)
			page.Execute(w, view{Login: true, Error: "Tell us your name."})
			return
		}
		// Set refuses what a browser would drop (ErrTooLarge): say so.
		if err := s.Set("user", User{Name: name}); err != nil { // Signed: JS reads, cannot forge
			w.WriteHeader(http.StatusBadRequest)
			page.Execute(w, view{Login: true, Error: "That name is too long."})
			return
		}
		if err := s.Set("_auth_user_id", 42); err != nil { // Private: sealed, HttpOnly
			s.Delete("user")
			http.Error(w, "could not log you in", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	r.Post("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := clientsession.From(r).Clear(); err != nil {
			http.Error(w, "could not log you out", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	return r
}
