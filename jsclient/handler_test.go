package jsclient_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/jsclient"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func newManager(t testing.TB, o clientsession.Options) *clientsession.Manager {
	t.Helper()
	if o.Keys == nil {
		o.Keys = [][]byte{testKey}
	}
	m, err := clientsession.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func serve(h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// configOf returns the settings served in config.mjs.
func configOf(t *testing.T, body []byte) map[string]any {
	t.Helper()
	_, js, ok := strings.Cut(string(body), "export default ")
	if !ok {
		t.Fatalf("config module without export: %s", body)
	}
	var c map[string]any
	if err := json.Unmarshal([]byte(js), &c); err != nil {
		t.Fatalf("config module is not JSON after export default: %v\n%s", err, body)
	}
	return c
}

func asMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestScriptURLIsHashed(t *testing.T) {
	m := newManager(t, clientsession.Options{})
	u := jsclient.ScriptURL(m)
	if !regexp.MustCompile(`^/_session/[0-9a-f]{16}/index\.mjs$`).MatchString(u) {
		t.Fatalf("ScriptURL = %q", u)
	}
	if again := jsclient.ScriptURL(newManager(t, clientsession.Options{})); again != u {
		t.Errorf("same settings, different URLs: %q, %q", u, again)
	}
	others := []clientsession.Options{
		{Prefix: "app."},
		{Insecure: true},
		{MaxTotalSize: 5000},
		{Protection: map[string]clientsession.Protection{"role": clientsession.Signed}},
	}
	for _, o := range others {
		if v := jsclient.ScriptURL(newManager(t, o)); v == u {
			t.Errorf("settings %+v kept the URL %q", o, u)
		}
	}
}

func TestHandlerServesTheHashedModule(t *testing.T) {
	m := newManager(t, clientsession.Options{})
	h := jsclient.Handler(m)
	u := jsclient.ScriptURL(m)
	rec := serve(h, "GET", u)
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", u, rec.Code, rec.Body)
	}
	want := map[string]string{
		"Content-Type":           "text/javascript; charset=utf-8",
		"Cache-Control":          "public, max-age=31536000, immutable",
		"X-Content-Type-Options": "nosniff",
	}
	for k, v := range want {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	etag := rec.Header().Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{16}"$`).MatchString(etag) {
		t.Errorf("ETag = %q", etag)
	}
	src, err := os.ReadFile("src/index.mjs")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Body.Bytes(), src) {
		t.Errorf("served entry differs from src/index.mjs")
	}

	// The entry's relative imports resolve inside the same hashed directory.
	dir := path.Dir(u)
	for _, name := range []string{"create.mjs", "encode.mjs", "decode.mjs", "cookies.mjs", "config.mjs"} {
		rec := serve(h, "GET", dir+"/"+name)
		if rec.Code != 200 || rec.Header().Get("Cache-Control") != want["Cache-Control"] {
			t.Errorf("%s: %d, Cache-Control %q", name, rec.Code, rec.Header().Get("Cache-Control"))
		}
		if rec.Header().Get("ETag") == etag {
			t.Errorf("%s shares the entry's ETag", name)
		}
	}
	for _, imp := range regexp.MustCompile(`from '\./([a-z]+\.mjs)'`).FindAllStringSubmatch(string(src), -1) {
		if rec := serve(h, "GET", dir+"/"+imp[1]); rec.Code != 200 {
			t.Errorf("import %s: %d", imp[1], rec.Code)
		}
	}
}

func TestHandlerRevalidation(t *testing.T) {
	m := newManager(t, clientsession.Options{})
	h := jsclient.Handler(m)
	u := jsclient.ScriptURL(m)
	etag := serve(h, "GET", u).Header().Get("ETag")

	rec := serve(h, "GET", u, "If-None-Match", etag)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Fatalf("If-None-Match %s: %d, %d bytes", etag, rec.Code, rec.Body.Len())
	}
	if rec.Header().Get("ETag") != etag || rec.Header().Get("Cache-Control") == "" {
		t.Errorf("304 headers: %v", rec.Header())
	}
	if rec := serve(h, "GET", u, "If-None-Match", `"other"`); rec.Code != 200 {
		t.Errorf("stale If-None-Match: %d", rec.Code)
	}

	for _, target := range []string{"/_session/index.mjs", "/_session/0123456789abcdef/index.mjs", "/elsewhere/index.mjs"} {
		rec := serve(h, "GET", target)
		if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-cache" || rec.Header().Get("ETag") != etag {
			t.Errorf("%s: %d, Cache-Control %q, ETag %q", target, rec.Code, rec.Header().Get("Cache-Control"), rec.Header().Get("ETag"))
		}
	}
}

func TestHandlerRejects(t *testing.T) {
	h := jsclient.Handler(newManager(t, clientsession.Options{}))
	for _, target := range []string{"/_session/", "/_session/x.mjs", "/_session/index.d.ts", "/_session/package.json", "/_session/src/index.mjs/"} {
		if rec := serve(h, "GET", target); rec.Code != 404 {
			t.Errorf("GET %s: %d", target, rec.Code)
		}
	}
	rec := serve(h, "POST", "/_session/index.mjs")
	if rec.Code != 405 || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	rec = serve(h, "HEAD", "/_session/index.mjs")
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d, %d bytes, Content-Length %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
	}
}

func TestHandlerBakesInTheSettings(t *testing.T) {
	m := newManager(t, clientsession.Options{
		Prefix: "app.", Path: "/shop", Domain: "example.com", SameSite: http.SameSiteStrictMode,
		MaxTotalSize: 5000, MaxAge: 3600e9,
		Protection: map[string]clientsession.Protection{"role": clientsession.Signed, "_open": clientsession.Public},
	})
	h := jsclient.Handler(m)
	rec := serve(h, "GET", path.Dir(jsclient.ScriptURL(m))+"/config.mjs")
	got := configOf(t, rec.Body.Bytes())
	want := asMap(t, m.ClientConfig())
	if g, w := asMap(t, got), want; !jsonEqual(g, w) {
		t.Errorf("served config\n%v\nwant\n%v", g, w)
	}
	if got["domain"] != "example.com" || got["sameSite"] != "Strict" || got["maxAge"] != 3600.0 {
		t.Errorf("served config %v", got)
	}
}

// TestSourceDefaultsMatchGo keeps src/config.mjs, what npm users get,
// equal to the settings of a Manager with default Options.
func TestSourceDefaultsMatchGo(t *testing.T) {
	src, err := os.ReadFile("src/config.mjs")
	if err != nil {
		t.Fatal(err)
	}
	got := configOf(t, src)
	want := asMap(t, newManager(t, clientsession.Options{}).ClientConfig())
	if !jsonEqual(got, want) {
		t.Errorf("src/config.mjs\n%v\nclientsession defaults\n%v", got, want)
	}
}

func TestHandlerUnderStripPrefix(t *testing.T) {
	m := newManager(t, clientsession.Options{})
	mux := http.NewServeMux()
	mux.Handle("/assets/session/", http.StripPrefix("/assets/session", jsclient.Handler(m)))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	u := "/assets/session/" + strings.TrimPrefix(jsclient.ScriptURL(m), jsclient.Path)
	res, err := http.Get(srv.URL + u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || len(body) == 0 {
		t.Errorf("GET %s: %d %q, %d bytes", u, res.StatusCode, res.Header.Get("Cache-Control"), len(body))
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func BenchmarkScriptURL(b *testing.B) {
	m := newManager(b, clientsession.Options{Protection: map[string]clientsession.Protection{"role": clientsession.Signed}})
	b.ReportAllocs()
	for b.Loop() {
		jsclient.ScriptURL(m)
	}
}

func BenchmarkHandler(b *testing.B) {
	m := newManager(b, clientsession.Options{})
	h := jsclient.Handler(m)
	req := httptest.NewRequest("GET", jsclient.ScriptURL(m), nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
