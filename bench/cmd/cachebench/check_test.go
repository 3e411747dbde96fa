package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fullsession/fullsession/bench/internal/cookieval"
)

func TestFirstPages(t *testing.T) {
	first := firstPages()
	if len(first) != 168 {
		t.Fatalf("%d searches, want 168", len(first))
	}
	seen := map[string]bool{}
	for _, s := range first {
		if seen[s] {
			t.Fatalf("duplicate search %q", s)
		}
		seen[s] = true
		u, err := url.Parse(s)
		if err != nil || u.Path != "/" {
			t.Fatalf("bad search URL %q", s)
		}
		// Canonical order (the site redirects any other): city, type, max.
		last := -1
		for _, kv := range strings.Split(u.RawQuery, "&") {
			if kv == "" {
				continue
			}
			k, _, _ := strings.Cut(kv, "=")
			i := slices.Index([]string{"city", "type", "max"}, k)
			if i <= last {
				t.Fatalf("%q: parameters out of canonical order", s)
			}
			last = i
		}
	}
}

// TestSearchPages follows the pager's Next links of a fake site: up to
// three pages per search, the escaped href decoded, fewer for a short
// search, and an error for a page that does not answer 200.
func TestSearchPages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		n, _ := strconv.Atoi(q.Get("after"))
		switch {
		case q.Get("city") == "Gone":
			http.Redirect(w, r, "/?note=city", http.StatusMovedPermanently)
		case q.Get("city") == "Short" || n >= 40:
			fmt.Fprint(w, `<nav class="pager"></nav>`)
		default:
			fmt.Fprintf(w, `<nav class="pager"><a rel="next" href="/?city=%s&amp;after=%d">Next →</a></nav>`, q.Get("city"), n+20)
		}
	}))
	defer srv.Close()
	got, err := searchPages(context.Background(), srv.Client(), srv.URL, []string{"/?city=Paris", "/?city=Short"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/?city=Paris", "/?city=Paris&after=20", "/?city=Paris&after=40", "/?city=Short"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if _, err := searchPages(context.Background(), noRedirect, srv.URL, []string{"/?city=Gone"}, 3); err == nil {
		t.Fatal("a redirected search page was accepted")
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
