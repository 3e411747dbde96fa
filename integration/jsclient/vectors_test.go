// vectors_test.go evaluates FORMAT.md's shared test vectors
// (clientsession/testdata/vectors.json, version 2, and vectors-v1.json) in
// the page of each engine: the
// cookie comes from a real Set-Cookie, the served module reads it, writes
// it back where the case says the encoding is canonical, and the server
// sees the bytes the browser sends.
package jsclient_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/internal/testkit/browsertest"
	"github.com/fullsession/fullsession/jsclient"
)

type vectorFile struct {
	Version int          `json:"version"`
	Now     int64        `json:"now"`
	Cases   []vectorCase `json:"cases"`
}

type vectorCase struct {
	Name       string `json:"name"`
	Protection string `json:"protection"`
	Cookie     string `json:"cookie"`
	Value      string `json:"value"`
	JSON       string `json:"json"`
	Expect     string `json:"expect"`
	Encode     bool   `json:"encode"`
}

// vectorResult is what the page reports for one case.
type vectorResult struct {
	Found   bool            `json:"found"`
	Value   json.RawMessage `json:"value"`
	Keys    []string        `json:"keys"`
	Raw     *string         `json:"raw"`     // the value in document.cookie; nil when absent
	Sent    string          `json:"sent"`    // the value in the Cookie header the server got
	Written *string         `json:"written"` // the value set() wrote, for encode cases
	WSent   string          `json:"wsent"`   // and the one the server got after it
	// Canonical is set for encode cases whose JSON text is what
	// JSON.stringify writes (so set can produce the same bytes).
	Canonical bool   `json:"canonical"`
	SetErr    string `json:"setErr"`
}

// keylessCaught are the invalid Signed cases a page must see as absent
// (the shape or the expiry is wrong; a bad MAC needs the key).
var keylessCaught = map[string]bool{
	"signed-expired": true, "signed-mac-truncated": true, "signed-other-version": true, "signed-public-value": true,
	"signed-quoted": true, "signed-leading-zero": true, // cases of version 2
}

func TestVectorsInBrowser(t *testing.T) {
	var files []vectorFile
	for _, name := range []string{"vectors.json", "vectors-v1.json"} {
		data, err := os.ReadFile("../../clientsession/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var vf vectorFile
		if err := json.Unmarshal(data, &vf); err != nil || len(vf.Cases) == 0 {
			t.Fatalf("%s: %d cases, %v", name, len(vf.Cases), err)
		}
		files = append(files, vf)
	}
	browsertest.Each(t, func(t *testing.T, e browsertest.Engine) {
		for _, vf := range files {
			t.Run(fmt.Sprintf("v%d", vf.Version), func(t *testing.T) { runVectors(t, e, vf) })
		}
	})
}

// runVectors runs every case of vf in one page of a fresh profile of e.
func runVectors(t *testing.T, e browsertest.Engine, vf vectorFile) {
	names := map[string]bool{}
	for _, c := range vf.Cases {
		names[c.Cookie] = true
	}
	srv := vectorSite(t, vf.Cases, names)
	tb := freshTab(t, e, srv.URL+"/")
	var out []vectorResult
	eval(t, tb, `const cases = `+mustJSON(t, vf.Cases)+`, now = `+strconv.FormatInt(vf.Now, 10)+`
		const cookieValue = (name) => {
			const p = document.cookie.split('; ').find(p => p.startsWith(name + '='))
			return p === undefined ? null : p.slice(name.length + 1)
		}
		const realNow = Date.now
		const out = []
		for (const [i, c] of cases.entries()) {
			await fetch('/vector/' + i)
			const key = c.cookie.slice('session.'.length)
			const s = session.withConfig({prefix: 'session.', protection: c.protection === 'signed' ? {[key]: 'signed'} : {}})
			let v, keys
			Date.now = () => now * 1000 // Signed expiries are relative to the file's "now"
			try { v = s.get(key); keys = s.keys() } finally { Date.now = realNow }
			const r = {found: v !== undefined, value: v ?? null, keys, raw: cookieValue(c.cookie),
				sent: await fetch('/echo?name=' + c.cookie).then(r => r.text()), written: null, wsent: '', setErr: ''}
			// set takes a value, not a JSON text: the bytes can match only
			// where JSON.stringify gives back the case's text (not for -1.5e3).
			r.canonical = c.encode && JSON.stringify(JSON.parse(c.json)) === c.json
			if (r.canonical) {
				s.set(key, JSON.parse(c.json))
				r.written = cookieValue(c.cookie)
				r.wsent = await fetch('/echo?name=' + c.cookie).then(r => r.text())
			}
			if (c.protection === 'private') {
				try { s.set(key, 1); r.setErr = 'no error' } catch (e) { r.setErr = e.name }
			}
			out.push(r)
		}
		return out`, &out)
	if len(out) != len(vf.Cases) {
		t.Fatalf("the page ran %d of %d cases", len(out), len(vf.Cases))
	}
	encoded := 0
	for i, c := range vf.Cases {
		checkVector(t, c, out[i])
		if out[i].Canonical {
			encoded++
		}
	}
	if encoded < 5 {
		t.Errorf("only %d cases checked set's bytes", encoded)
	}
	t.Logf("%d cases; set's bytes checked in %d", len(vf.Cases), encoded)
}

// checkVector checks one case's result as vectors.test.mjs does in Node,
// plus what only a browser shows: the bytes it holds and sends back.
func checkVector(t *testing.T, c vectorCase, r vectorResult) {
	t.Helper()
	key := strings.TrimPrefix(c.Cookie, "session.")
	// The browser keeps and sends exactly the bytes of the Set-Cookie value.
	if r.Sent != c.Value {
		t.Errorf("%s: the server got back %q, Set-Cookie gave %q", c.Name, r.Sent, c.Value)
	}
	switch c.Protection {
	case "public":
		if r.Raw == nil || *r.Raw != c.Value {
			t.Errorf("%s: document.cookie holds %v, want %q", c.Name, deref(r.Raw), c.Value)
		}
		if c.Expect == "ok" {
			if !r.Found || !sameJSON(t, json.RawMessage(c.JSON), r.Value) || len(r.Keys) != 1 || r.Keys[0] != key {
				t.Errorf("%s: get gave %s (found %v), keys %v; want %s", c.Name, r.Value, r.Found, r.Keys, c.JSON)
			}
		} else if r.Found || len(r.Keys) != 0 {
			t.Errorf("%s: an invalid value read as %s, keys %v", c.Name, r.Value, r.Keys)
		}
		if c.Encode && r.Canonical && (r.Written == nil || *r.Written != c.Value || r.WSent != c.Value) {
			t.Errorf("%s: set wrote %v and the server got %q; want %q", c.Name, deref(r.Written), r.WSent, c.Value)
		}
	case "signed":
		if c.Expect == "ok" && (!r.Found || !sameJSON(t, json.RawMessage(c.JSON), r.Value)) {
			t.Errorf("%s: get gave %s (found %v), want %s", c.Name, r.Value, r.Found, c.JSON)
		}
		if keylessCaught[c.Name] && r.Found {
			t.Errorf("%s: a page read %s; the shape or the expiry is wrong", c.Name, r.Value)
		}
	case "private":
		if r.Raw != nil || r.Found || len(r.Keys) != 0 || r.SetErr != "TypeError" {
			t.Errorf("%s: HttpOnly cookie visible as %v, get found %v, keys %v, set gave %s",
				c.Name, deref(r.Raw), r.Found, r.Keys, r.SetErr)
		}
	default:
		t.Errorf("%s: unknown protection %q", c.Name, c.Protection)
	}
}

func deref(s *string) string {
	if s == nil {
		return "(absent)"
	}
	return strconv.Quote(*s)
}

// vectorSite serves a page importing the module, /vector/{i} which sets
// case i's cookie with a raw Set-Cookie (after clearing the names of the
// other cases), and /echo?name=n which returns the value of n in the
// request's Cookie header, byte for byte.
func vectorSite(t *testing.T, cases []vectorCase, names map[string]bool) *httptest.Server {
	t.Helper()
	m := newManager(t, clientsession.Options{Insecure: true, Prefix: "session."})
	js := jsclient.New(m, jsclient.Options{})
	mux := http.NewServeMux()
	mux.Handle(js.Path(), js)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>vectors</title><script type="module">
import session from %q
window.session = session
window.ready = true
</script>`, js.URL())
	})
	mux.HandleFunc("GET /vector/{i}", func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(r.PathValue("i"))
		if err != nil || i < 0 || i >= len(cases) {
			http.NotFound(w, r)
			return
		}
		c := cases[i]
		for n := range names {
			if n != c.Cookie {
				w.Header().Add("Set-Cookie", n+"=; Path=/; Max-Age=0")
			}
		}
		attrs := "; Path=/"
		if c.Protection == "private" {
			attrs += "; HttpOnly"
		}
		w.Header().Add("Set-Cookie", c.Cookie+"="+c.Value+attrs)
		w.WriteHeader(204)
	})
	mux.HandleFunc("GET /echo", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		for _, line := range r.Header.Values("Cookie") {
			for _, p := range strings.Split(line, "; ") {
				if v, ok := strings.CutPrefix(p, name+"="); ok {
					w.Write([]byte(v))
					return
				}
			}
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}
