package main

import (
	"bytes"
	"encoding/json"
	"html"
	"slices"
	"strconv"

	"github.com/fullsession/fullsession/bench/internal/cookieval"
)

// The personalisation check. Shared pages (property and search) are the
// same bytes for everybody: they must hold the empty placeholder that the
// page script fills from the user's own cookies, and never a name. What the
// script would show comes from the jar, so the jar must hold, after every
// response that set cookies and after every script write, exactly this
// user's name and selection. Private pages (/selection) are rendered on the
// server for this user: they must never come from the cache, and must show
// this user's name and exactly this user's selection.

// placeholder is the neutral greeting of a shared page
// (examples/century/templates/layout.html).
var placeholder = []byte(`<span class="hello" id="hello" hidden></span>`)

var hello = []byte("Hello ")

func (w *worker) shared(v *visitor, k kind, path string) error {
	resp, err := w.do(v, k, "GET", path, "", 200)
	if err != nil {
		return err
	}
	body := resp.Body
	if !bytes.Contains(body, placeholder) || bytes.Contains(body, hello) {
		w.st.violate("GET %s: a shared page is personalised (no empty placeholder, or a greeting)", path)
	}
	return nil
}

func (w *worker) selectionPage(v *visitor) error {
	resp, err := w.do(v, kSelection, "GET", "/selection", "", 200)
	if err != nil {
		return err
	}
	if resp.Header("X-Cache") == "HIT" {
		w.st.violate("GET /selection: a private page was served from the cache")
	}
	body := resp.Body
	maybeOut, mustOut := w.loginState(v, w.start, w.end)
	if maybeOut && !bytes.Contains(body, hello) {
		// The idle timeout ended the login (idle.go).
		if !v.idledOut {
			w.st.idle.idleOuts++
			v.idledOut = true
		}
	} else if mustOut {
		w.st.violate("GET /selection: a login idle for longer than the idle timeout still shows a greeting")
	} else if v.account >= 0 {
		want := "Hello " + html.EscapeString(accounts[v.account].name) + "<"
		if !bytes.Contains(body, []byte(want)) {
			w.st.violate("GET /selection: user logged in as %s does not see %q", accounts[v.account].login, want)
		}
	} else if bytes.Contains(body, hello) {
		w.st.violate("GET /selection: a logged-out user sees a greeting")
	}
	got := selectedIDs(body)
	want := slices.Clone(v.sel)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		w.st.violate("GET /selection: shows %v, the user's selection is %v", got, want)
	}
	return nil
}

// selectedIDs returns the ids of data-selected="N" in a selection page.
func selectedIDs(body []byte) []int64 {
	var ids []int64
	const attr = `data-selected="`
	for {
		i := bytes.Index(body, []byte(attr))
		if i < 0 {
			return ids
		}
		body = body[i+len(attr):]
		j := bytes.IndexByte(body, '"')
		if j < 0 {
			return ids
		}
		if id, err := strconv.ParseInt(string(body[:j]), 10, 64); err == nil {
			ids = append(ids, id)
		}
		body = body[j:]
	}
}

// toggle applies a star click to the model, as the site and the page script
// both do: remove when present, else append unless full.
func toggle(sel []int64, id int64) ([]int64, bool) {
	if i := slices.Index(sel, id); i >= 0 {
		return slices.Delete(sel, i, i+1), true
	}
	if len(sel) >= maxSelection {
		return sel, false
	}
	return append(sel, id), true
}

// jsToggle is a star click in the page: the script writes the selection
// cookie itself (jsclient's session.set), with no request.
func (w *worker) jsToggle(v *visitor, id int64) {
	sel, ok := toggle(v.sel, id)
	if !ok {
		return
	}
	v.sel = sel
	b, _ := json.Marshal(append([]int64{}, sel...))
	v.jar.Set(cookiePrefix+"selection", cookieval.EncodePublic(b))
	w.st.jsToggles++
	w.checkJar(v, "script toggle")
}

// formToggle is the no-JS star: POST /selection/toggle.
func (w *worker) formToggle(v *visitor, id int64) error {
	if slices.Index(v.sel, id) < 0 && len(v.sel) >= maxSelection {
		id = v.sel[0] // full: remove one instead, as a user would
	}
	path := "/properties/" + strconv.FormatInt(id, 10)
	form := "id=" + strconv.FormatInt(id, 10) + "&back=" + path
	v.sel, _ = toggle(v.sel, id)
	resp, err := w.do(v, kToggle, "POST", "/selection/toggle", form, 303)
	if err != nil {
		return err
	}
	if resp.Values("Set-Cookie") == nil {
		w.st.violate("POST /selection/toggle: no Set-Cookie for a changed selection")
	}
	return nil
}

func (w *worker) login(v *visitor, a int) error {
	form := "username=" + accounts[a].login + "&password=demo&back=/"
	v.account = a
	resp, err := w.do(v, kLogin, "POST", "/login", form, 303)
	if err != nil {
		return err
	}
	if resp.Values("Set-Cookie") == nil {
		w.st.violate("POST /login: no Set-Cookie")
	}
	return nil
}

// checkJar compares what the page script would show, read from the jar,
// with the user's model.
func (w *worker) checkJar(v *visitor, after string) {
	raw, ok := v.jar.Get(cookiePrefix + "user")
	switch {
	case v.account < 0 && ok:
		w.st.violate("after %s: a logged-out user holds a user cookie %q", after, raw)
	case v.account >= 0 && !ok:
		w.st.violate("after %s: user logged in as %s holds no user cookie", after, accounts[v.account].login)
	case v.account >= 0:
		var u struct{ Surname, Name string }
		js, err := cookieval.SignedJSON(raw)
		if err == nil {
			err = json.Unmarshal(js, &u)
		}
		if a := accounts[v.account]; err != nil || u.Name != a.name || u.Surname != a.surname {
			w.st.violate("after %s: user logged in as %s would be greeted as %q %q (%v)", after, a.login, u.Name, u.Surname, err)
		}
	}
	_, hasAuth := v.jar.Get(cookiePrefix + "_auth_user_id")
	if hasAuth != (v.account >= 0) {
		w.st.violate("after %s: _auth_user_id present=%v, logged in=%v", after, hasAuth, v.account >= 0)
	}
	var sel []int64
	if raw, ok := v.jar.Get(cookiePrefix + "selection"); ok {
		js, err := cookieval.DecodePublic(raw)
		if err == nil {
			err = json.Unmarshal(js, &sel)
		}
		if err != nil {
			w.st.violate("after %s: selection cookie %q does not decode: %v", after, raw, err)
			return
		}
	}
	if !slices.Equal(sel, v.sel) && !(len(sel) == 0 && len(v.sel) == 0) {
		w.st.violate("after %s: the user's selection cookie holds %v, the user chose %v", after, sel, v.sel)
	}
}
