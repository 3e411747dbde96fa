// public.go holds the public handlers: their pages are the same for every
// visitor and cached by shared caches, so they never touch the session (the
// page script personalises them). cachehint would downgrade them to private
// if they did, and the tests run it in Strict mode, where that panics.

package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/fullsession/fullsession/cachehint"

	"github.com/fullsession/fullsession/examples/century/demo"
)

// pager links to the neighbouring pages of a search; empty: none.
type pager struct{ First, Prev, Next string }

type searchBody struct {
	Query       Search
	Results     Results
	Notes       []string // what the URL asked for that the search dropped
	Cities      []string
	Types       []string
	RoomChoices []int
	Self        string
	Pager       pager
}

// search lists the properties matching the URL's search. A URL that is not
// the canonical one of its nearest valid search is redirected there (301),
// so every search is one cache object; the notes it carries say what was
// dropped.
func (s *site) search(w http.ResponseWriter, r *http.Request) {
	q := parseSearch(r.URL.Query())
	if canon := q.encode(); canon != r.URL.RawQuery {
		http.Redirect(w, r, q.url(), http.StatusMovedPermanently)
		return
	}
	res, err := s.store.Find(r.Context(), q)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	tagProperties(r, res.Properties)
	body := searchBody{
		Query: q, Results: res, Notes: noteText(q.Notes), Cities: demo.Cities(), Types: demo.Types(),
		RoomChoices: []int{1, 2, 3, 4, 5, 6}, Self: q.url(),
	}
	if q.MinRooms > 6 { // from a URL: keep it in the form
		body.RoomChoices = append(body.RoomChoices, q.MinRooms)
	}
	first := q.filters()
	if !res.First {
		body.Pager.First = first.url()
	}
	if n := len(res.Properties); n > 0 {
		if !res.First {
			prev := first
			prev.Before = res.Properties[0].ID
			body.Pager.Prev = prev.url()
		}
		if res.More {
			next := first
			next.After = res.Properties[n-1].ID
			body.Pager.Next = next.url()
		}
	}
	s.render(w, r, http.StatusOK, "search", pageData{Title: "Search", Body: body})
}

type propertyBody struct {
	Property Property
	Self     string
}

// property renders a property page. It is cached by shared caches for all
// users, so it never reads the session: the name and the star are filled in
// by the page script.
func (s *site) property(w http.ResponseWriter, r *http.Request) {
	p, ok := s.propertyOf(w, r)
	if !ok {
		return
	}
	id := p.ID
	cachehint.Tag(r, propertyTag(id))
	s.render(w, r, http.StatusOK, "property", pageData{
		Title: fmt.Sprintf("%s in %s, %s", p.Type, p.City, euros(p.Price)),
		Body:  propertyBody{Property: p, Self: "/properties/" + strconv.FormatInt(id, 10)},
	})
}

// propertyOf loads the property named by the {id} route parameter. When
// there is none, or the store fails, it has answered and reports false.
func (s *site) propertyOf(w http.ResponseWriter, r *http.Request) (Property, bool) {
	id, ok := parseID(chi.URLParam(r, "id"))
	if !ok {
		s.notFoundPublic(w, r)
		return Property{}, false
	}
	p, err := s.store.Get(r.Context(), id)
	if errors.Is(err, errNotFound) {
		s.notFoundPublic(w, r)
		return Property{}, false
	}
	if err != nil {
		s.internalError(w, r, err)
		return Property{}, false
	}
	return p, true
}

// notFoundPublic answers an unknown id on a public route. The 404 is the
// same for everybody, but is kept for a minute only: anyone can make up
// URLs, and they should not fill the cache for a day.
func (s *site) notFoundPublic(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=60")
	s.fail(w, r, http.StatusNotFound, "There is no such property.")
}

func (s *site) picture(w http.ResponseWriter, r *http.Request) {
	p, ok := s.propertyOf(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	demo.WritePicture(&buf, p.ID, p.Type, p.Rooms)
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	// A picture is only ever an image: no scripts run from it even when
	// opened directly.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

func (s *site) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Ping(r.Context()); err != nil {
		s.healthFailed(r, err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	s.healthOK(r)
	if s.ready != nil {
		if err := s.ready(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}
