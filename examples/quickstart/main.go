// Command quickstart is the README's example: a chi app whose session lives
// in the browser, one cookie per key.
package main

import (
	"crypto/rand"
	"fmt"
	"log"
	"net/http"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/go-chi/chi/v5"
)

type User struct {
	Surname string `json:"surname"`
	Name    string `json:"name"`
}

func main() {
	secret := make([]byte, 32) // in production: load it, and keep the old one for rotation
	rand.Read(secret)
	m, err := clientsession.New(clientsession.Options{
		Keys:       [][]byte{secret},
		Insecure:   true, // plain HTTP on localhost; remove behind TLS
		Protection: map[string]clientsession.Protection{"user": clientsession.Signed},
	})
	if err != nil {
		log.Fatal(err)
	}

	r := chi.NewRouter()
	r.Use(m.Middleware)
	r.Post("/login", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		s.Set("user", User{Surname: "Lee", Name: "Ann"}) // Signed: JS reads, cannot forge
		s.Set("_auth_user_id", 42)                       // Private: sealed, HttpOnly
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		u, found, err := clientsession.Get[User](clientsession.From(r), "user")
		if err != nil || !found {
			fmt.Fprintln(w, "hello, stranger (POST /login)")
			return
		}
		fmt.Fprintf(w, "hello, %s %s\n", u.Name, u.Surname)
	})
	log.Fatal(http.ListenAndServe("localhost:8080", r))
}
