package main

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/fullsession/fullsession/bench/internal/cookieval"
)

func TestSearchURLs(t *testing.T) {
	if len(searches) != 504 {
		t.Fatalf("%d searches, want 504", len(searches))
	}
	seen := map[string]bool{}
	for _, s := range searches {
		if seen[s] {
			t.Fatalf("duplicate search %q", s)
		}
		seen[s] = true
		u, err := url.Parse(s)
		if err != nil || u.Path != "/" {
			t.Fatalf("bad search URL %q", s)
		}
		// Canonical order (the site redirects any other): city, type, max, page.
		last := -1
		for _, kv := range strings.Split(u.RawQuery, "&") {
			if kv == "" {
				continue
			}
			k, _, _ := strings.Cut(kv, "=")
			i := slices.Index([]string{"city", "type", "max", "page"}, k)
			if i <= last {
				t.Fatalf("%q: parameters out of canonical order", s)
			}
			last = i
		}
	}
}

func TestToggle(t *testing.T) {
	sel, ok := toggle(nil, 5)
	sel, _ = toggle(sel, 7)
	if !ok || !slices.Equal(sel, []int64{5, 7}) {
		t.Fatalf("add: %v", sel)
	}
	sel, _ = toggle(sel, 5)
	if !slices.Equal(sel, []int64{7}) {
		t.Fatalf("remove: %v", sel)
	}
	full := make([]int64, maxSelection)
	for i := range full {
		full[i] = int64(i + 1)
	}
	if _, ok := toggle(full, 1000); ok {
		t.Fatal("added to a full selection")
	}
}

func TestSelectedIDs(t *testing.T) {
	body := []byte(`<div data-selected="12"></div><div data-selected="345"></div><div data-selected="x"></div>`)
	if got := selectedIDs(body); !slices.Equal(got, []int64{12, 345}) {
		t.Fatalf("selectedIDs = %v", got)
	}
}

const mac = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

func signedUser(name, surname string) string {
	return "s1.1767225600." + mac + "." + cookieval.EncodePublic([]byte(`{"surname":"`+surname+`","name":"`+name+`"}`))
}

// TestCheckJar shows the check catching what a leaking cache would cause:
// another user's name, a missing log-in, another user's selection.
func TestCheckJar(t *testing.T) {
	w := &worker{st: stats{}}
	v := &visitor{account: 0, sel: []int64{3, 4}}
	v.jar.Set("session.user", signedUser("Ann", "Le Gall"))
	v.jar.Set("session._auth_user_id", "sealed")
	v.jar.Set("session.selection", "[3%2C4]")
	w.checkJar(v, "ok")
	if w.st.violations != 0 {
		t.Fatalf("consistent jar flagged: %q", w.st.samples)
	}

	v.jar.Set("session.user", signedUser("Bruno", "Martin"))
	w.checkJar(v, "leak")
	if w.st.violations != 1 {
		t.Fatalf("another user's name not flagged (%d)", w.st.violations)
	}
	v.jar.Set("session.user", signedUser("Ann", "Le Gall"))

	v.jar.Set("session.selection", "[9]")
	w.checkJar(v, "leak")
	if w.st.violations != 2 {
		t.Fatalf("another selection not flagged (%d)", w.st.violations)
	}
	v.jar.Set("session.selection", "[3%2C4]")

	v.account = -1
	w.checkJar(v, "logged out")
	if w.st.violations != 4 { // user cookie and _auth_user_id both still there
		t.Fatalf("logged-out user with cookies: %d violations, want 4", w.st.violations)
	}
	v.jar.Delete("session.user")
	v.jar.Delete("session._auth_user_id")
	v.sel = nil
	v.jar.Set("session.selection", "[]")
	w.checkJar(v, "empty")
	if w.st.violations != 4 {
		t.Fatalf("empty selection written as [] flagged: %q", w.st.samples)
	}
}
