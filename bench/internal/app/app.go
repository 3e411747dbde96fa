// Package app is the small chi application of the end-to-end benchmark,
// built the same way on top of any [harness.Store]: only the session library
// changes between the variants, so their differences in throughput are the
// libraries' differences.
//
// Routes:
//
//	GET  /login?uid=N   writes the six-key session of user N (harness.FixtureFor)
//	GET  /read          reads "user" and "_auth_user_id" and renders a page
//	                    greeting the user ("… (#N)"); 401 without a session
//	POST /lang?lang=xx  changes "lang" and answers 204
//
// Handler errors answer 500 and bad input 400; nothing panics.
package app

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/fullsession/fullsession/bench/internal/harness"
)

// New returns the application for st.
func New(st harness.Store) http.Handler {
	r := chi.NewRouter()
	r.Use(st.Middleware)
	r.Get("/login", func(w http.ResponseWriter, r *http.Request) {
		uid, err := strconv.Atoi(r.URL.Query().Get("uid"))
		if err != nil || uid < 1 {
			http.Error(w, "app: uid must be a positive integer", http.StatusBadRequest)
			return
		}
		if err := st.Login(w, r, harness.FixtureFor(uid)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	r.Get("/read", func(w http.ResponseWriter, r *http.Request) {
		u, uid, found, err := st.ReadUser(w, r)
		switch {
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		case !found:
			http.Error(w, "app: not logged in", http.StatusUnauthorized)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, page, u.Name, u.Surname, uid)
		}
	})
	r.Post("/lang", func(w http.ResponseWriter, r *http.Request) {
		lang := r.URL.Query().Get("lang")
		if len(lang) != 2 {
			http.Error(w, "app: lang must be a two-letter code", http.StatusBadRequest)
			return
		}
		if err := st.SetLang(w, r, lang); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return r
}

// page is a small account page (about 2 KB), the same for every variant.
var page = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Mon compte</title>
<link rel="stylesheet" href="/static/site.css"></head>
<body><header><nav><a href="/">Accueil</a> <a href="/search">Rechercher</a> <a href="/selection">Ma sélection</a></nav></header>
<main><h1>Bonjour %s %s (#%d)</h1>
` + strings.Repeat("<p>Retrouvez ici vos recherches enregistrées, votre sélection de biens et vos alertes.</p>\n", 18) + `</main>
</body></html>
`
