package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/clientsession"
)

// Session keys. "user" is Signed (configured in newManager): page scripts
// read the name, nobody can forge it. "_auth_user_id" is Private by its
// leading underscore: sealed and HttpOnly.
const (
	userKey   = "user"
	authIDKey = "_auth_user_id"
)

// propertyTag is the cache tag of everything that shows property id.
func propertyTag(id int64) string { return "property-" + strconv.FormatInt(id, 10) }

// ---- search ----------------------------------------------------------------

// parseSearch reads the search form. Invalid or unknown values are treated
// as absent, never as an error.
func parseSearch(q url.Values) Search {
	var s Search
	if v := q.Get("city"); validCity(v) {
		s.City = v
	}
	if v := q.Get("type"); validType(v) {
		s.Type = v
	}
	s.MinPrice = parseAmount(q.Get("min"))
	s.MaxPrice = parseAmount(q.Get("max"))
	if s.MinPrice > 0 && s.MaxPrice > 0 && s.MinPrice > s.MaxPrice {
		s.MinPrice, s.MaxPrice = s.MaxPrice, s.MinPrice
	}
	if n, ok := parseID(q.Get("rooms")); ok && n <= 10 {
		s.MinRooms = int(n)
	}
	if n, ok := parseID(q.Get("page")); ok && n <= 100_000 {
		s.Page = int(n)
	}
	if s.Page == 1 {
		s.Page = 0
	}
	return s
}

// parseAmount reads a price in euros, up to a billion; anything else is 0.
func parseAmount(v string) int64 {
	n, ok := parseID(v)
	if !ok || n > 1_000_000_000 {
		return 0
	}
	return n
}

// encode is the canonical query string of a search: fixed order, no empty
// or default fields. Every search has exactly one URL, so shared caches keep
// one copy per search rather than one per spelling.
func (s Search) encode() string {
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	if s.City != "" {
		add("city", s.City)
	}
	if s.Type != "" {
		add("type", s.Type)
	}
	if s.MinPrice > 0 {
		add("min", strconv.FormatInt(s.MinPrice, 10))
	}
	if s.MaxPrice > 0 {
		add("max", strconv.FormatInt(s.MaxPrice, 10))
	}
	if s.MinRooms > 0 {
		add("rooms", strconv.Itoa(s.MinRooms))
	}
	if s.Page > 1 {
		add("page", strconv.Itoa(s.Page))
	}
	return b.String()
}

func (s Search) url() string {
	if q := s.encode(); q != "" {
		return "/?" + q
	}
	return "/"
}

type pager struct{ Prev, Next string }

type searchBody struct {
	Query       Search
	Results     Results
	Cities      []string
	Types       []string
	RoomChoices []int
	Self        string
	Pager       *pager
}

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
	tags := make([]string, len(res.Properties))
	for i, p := range res.Properties {
		tags[i] = propertyTag(p.ID)
	}
	cachehint.Tag(r, tags...)
	body := searchBody{
		Query: q, Results: res, Cities: cityNames(), Types: typeNames(),
		RoomChoices: []int{1, 2, 3, 4, 5, 6}, Self: q.url(),
	}
	if res.Pages > 1 {
		body.Pager = &pager{}
		if res.Page > 1 {
			prev := q
			prev.Page = res.Page - 1
			body.Pager.Prev = prev.url()
		}
		if res.Page < res.Pages {
			next := q
			next.Page = res.Page + 1
			body.Pager.Next = next.url()
		}
	}
	s.render(w, r, http.StatusOK, "search", pageData{Title: "Search", Body: body})
}

// ---- property --------------------------------------------------------------

type propertyBody struct {
	Property Property
	Self     string
}

// property renders a property page. It is cached by shared caches for all
// users, so it must never read the session: the name and the star are
// filled in by the page script. (cachehint would downgrade the response to
// private if it did.)
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
	writePicture(&buf, p.ID, p.Type, p.Rooms)
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	// A picture is only ever an image: no scripts run from it even when
	// opened directly.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

// ---- selection -------------------------------------------------------------

type selectionBody struct {
	Properties []Property
	Notice     string
}

// selectionPage renders the user's selection on the server. The selection
// is a Public key, so it is validated, capped and checked against the
// database: unknown ids are skipped.
func (s *site) selectionPage(w http.ResponseWriter, r *http.Request) {
	sess := clientsession.From(r)
	ids, ignored := readSelection(sess)
	props, err := s.store.GetMany(r.Context(), ids)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	ignored += len(ids) - len(props)
	body := selectionBody{Properties: props}
	if ignored > 0 {
		body.Notice = fmt.Sprintf("%d %s of your selection could not be shown (unknown, invalid or over the limit of %d).",
			ignored, plural(ignored, "entry", "entries"), maxSelection)
	}
	s.render(w, r, http.StatusOK, "selection", pageData{
		Title: "My selection", Private: true, User: currentUser(sess), Body: body,
	})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// toggle is the no-JS path of the star: it edits the selection on the
// server and returns to the page the form came from.
func (s *site) toggle(w http.ResponseWriter, r *http.Request) {
	id, ok := parseID(r.PostFormValue("id"))
	if !ok {
		s.fail(w, r, http.StatusBadRequest, "That is not a property reference.")
		return
	}
	if _, err := s.store.Get(r.Context(), id); errors.Is(err, errNotFound) {
		s.fail(w, r, http.StatusBadRequest, "There is no such property.")
		return
	} else if err != nil {
		s.internalError(w, r, err)
		return
	}
	sess := clientsession.From(r)
	ids, _ := readSelection(sess)
	ids, ok = toggleSelection(ids, id)
	if !ok {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("Your selection is full (%d properties). Remove one first.", maxSelection))
		return
	}
	var err error
	if len(ids) == 0 {
		err = sess.Delete(selectionKey)
	} else {
		err = sess.Set(selectionKey, ids)
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("back"), "/properties/"+strconv.FormatInt(id, 10)), http.StatusSeeOther)
}

// localPath returns p when it is a path on this site, else def, so that a
// form's "back" field cannot send the user elsewhere (open redirect).
func localPath(p, def string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\t") {
		return def
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return def
	}
	return u.RequestURI()
}

// ---- login -----------------------------------------------------------------

type loginBody struct {
	Error    string
	Username string
	Back     string
	Users    []demoUser
}

// currentUser returns the Signed "user" value of a logged-in session, or
// nil. Who is logged in is decided by the Private _auth_user_id, the key
// logout revokes: a "user" cookie without a valid one (copied, or kept
// from before a logout) is a name to show, not a login.
func currentUser(sess *clientsession.Session) *userView {
	if _, found, err := clientsession.Get[int64](sess, authIDKey); !found || err != nil {
		return nil
	}
	u, found, err := clientsession.Get[userView](sess, userKey)
	if !found || err != nil || u.Name == "" {
		return nil
	}
	return &u
}

func (s *site) loginPage(w http.ResponseWriter, r *http.Request) {
	sess := clientsession.From(r)
	s.render(w, r, http.StatusOK, "login", pageData{
		Title: "Log in", Private: true, User: currentUser(sess),
		Body: loginBody{Back: localPath(r.URL.Query().Get("back"), "/"), Users: s.users},
	})
}

func (s *site) login(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("username"))
	u, ok := authenticate(s.users, name, r.PostFormValue("password"))
	back := localPath(r.PostFormValue("back"), "/")
	if !ok {
		s.log.InfoContext(r.Context(), "login failed", "username", name)
		s.render(w, r, http.StatusUnauthorized, "login", pageData{
			Title: "Log in", Private: true,
			Body: loginBody{Error: "Unknown user or wrong password.", Username: name, Back: back, Users: s.users},
		})
		return
	}
	sess := clientsession.From(r)
	if err := errors.Join(
		sess.Set(authIDKey, u.ID),
		sess.Set(userKey, userView{Surname: u.Surname, Name: u.Name}),
	); err != nil {
		s.internalError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "login", "user_id", u.ID)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// logout deletes the login's cookies and revokes them: a copy of
// _auth_user_id or user taken before (another device, a stolen cookie)
// reads as absent from now on, while a new login works at once.
func (s *site) logout(w http.ResponseWriter, r *http.Request) {
	sess := clientsession.From(r)
	// Read the subject before deleting it. A cookie that is already
	// revoked or invalid reads as absent: nothing more to revoke.
	if id, found, _ := clientsession.Get[int64](sess, authIDKey); found && s.revoker != nil {
		s.revoker.Revoke(strconv.FormatInt(id, 10), time.Now())
		s.log.InfoContext(r.Context(), "logout", "user_id", id)
	}
	if err := errors.Join(sess.Delete(authIDKey), sess.Delete(userKey)); err != nil {
		s.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// ---- operations ------------------------------------------------------------

func (s *site) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Ping(r.Context()); err != nil {
		s.log.ErrorContext(r.Context(), "health check", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}
