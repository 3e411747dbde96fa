// private.go holds the handlers that read or write the session: pages
// rendered for one visitor (Private) and the state changes (NoStore).

package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fullsession/fullsession/clientsession"
)

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
	user := currentUser(sess)
	if s.signInUnavailable(w, r, "your selection") {
		return
	}
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
		Title: "My selection", Private: true, User: user, Body: body,
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
	before := len(ids)
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
	msg := "Added to your selection"
	if len(ids) < before {
		msg = "Removed from your selection"
	}
	if err = errors.Join(err, setFlash(sess, msg)); err != nil {
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

type loginBody struct {
	Error    string
	Username string
	Back     string
	Users    []demoUser
}

func (s *site) loginPage(w http.ResponseWriter, r *http.Request) {
	sess := clientsession.From(r)
	user := currentUser(sess) // the read that finds out whether the login can be checked
	// A signed-in visitor whose login cannot be checked would see the form,
	// as if signed out: say why instead, as /selection does.
	if s.signInUnavailable(w, r, "your account") {
		return
	}
	s.render(w, r, http.StatusOK, "login", pageData{
		Title: "Log in", Private: true, User: user,
		Body: loginBody{Back: localPath(r.URL.Query().Get("back"), "/"), Users: s.users},
	})
}

func (s *site) login(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("username"))
	if s.failures.blocked(name) {
		s.tooMany(w, r)
		return
	}
	u, ok := authenticate(s.users, name, r.PostFormValue("password"))
	back := localPath(r.PostFormValue("back"), "/")
	if !ok {
		s.failures.add(name)
		s.log.InfoContext(r.Context(), "login failed", "username", logName(name), "username_bytes", len(name))
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
		setFlash(sess, "Welcome back, "+u.Name),
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
	id, found, _ := clientsession.Get[int64](sess, authIDKey)
	if s.signInUnavailable(w, r, "signing out everywhere") {
		return // the cookies stay, so that the user can try again
	}
	if found {
		if err := s.revoke(r.Context(), strconv.FormatInt(id, 10), time.Now()); err != nil {
			s.log.WarnContext(r.Context(), "logout: revocation not recorded", "user_id", id, "err", err)
			w.Header().Set("Retry-After", "5")
			s.fail(w, r, http.StatusServiceUnavailable, "We could not sign you out on every device just now. "+
				"You are still signed in: try again in a few seconds.")
			return
		}
		s.log.InfoContext(r.Context(), "logout", "user_id", id)
	}
	if err := errors.Join(sess.Delete(authIDKey), sess.Delete(userKey)); err != nil {
		s.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
