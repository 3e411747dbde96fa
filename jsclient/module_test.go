package jsclient_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/jsclient"
)

// testKey is 32 raw bytes (text that looks like hex would be warned about).
var testKey = bytes.Repeat([]byte{0xa5, 0x3c, 0x0f, 0xf0}, 8)

// browserAE is what Chromium, Firefox and Safari send.
const browserAE = "gzip, deflate, br, zstd"

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

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return out
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestURLIsHashed(t *testing.T) {
	m := newManager(t, clientsession.Options{})
	u := jsclient.New(m, jsclient.Options{}).URL()
	if !regexp.MustCompile(`^/_session/[0-9a-f]{16}/index\.mjs$`).MatchString(u) {
		t.Fatalf("URL = %q", u)
	}
	if again := jsclient.New(newManager(t, clientsession.Options{}), jsclient.Options{}).URL(); again != u {
		t.Errorf("same settings, different URLs: %q, %q", u, again)
	}
	if old := jsclient.ScriptURL(m); old != u {
		t.Errorf("ScriptURL = %q, New(m).URL() = %q", old, u)
	}
	others := []clientsession.Options{
		{Prefix: "app."},
		{Insecure: true},
		{MaxTotalSize: 5000},
		{Protection: map[string]clientsession.Protection{"role": clientsession.Signed}},
		{Partitioned: true},
	}
	for _, o := range others {
		if v := jsclient.New(newManager(t, o), jsclient.Options{}).URL(); v == u {
			t.Errorf("settings %+v kept the URL %q", o, u)
		}
	}
	js := jsclient.New(m, jsclient.Options{Mount: "/static/js/"})
	if want := "/static/js/" + strings.TrimPrefix(u, "/_session/"); js.URL() != want || js.Path() != "/static/js/" {
		t.Errorf("Mount /static/js/: URL %q, Path %q; want %q", js.URL(), js.Path(), want)
	}
	if root := jsclient.New(m, jsclient.Options{Mount: "/"}); root.URL() != strings.TrimPrefix(u, "/_session") || root.Path() != "/" {
		t.Errorf("Mount /: URL %q, Path %q", root.URL(), root.Path())
	}
}

func TestNewPanicsOnBadInput(t *testing.T) {
	m := newManager(t, clientsession.Options{})
	mustPanic := func(what string, f func()) {
		t.Helper()
		defer func() {
			r := recover()
			if s, _ := r.(string); !strings.HasPrefix(s, "jsclient: ") {
				t.Errorf("%s: recovered %v, want a jsclient panic", what, r)
			}
		}()
		f()
	}
	mustPanic("nil Manager", func() { jsclient.New(nil, jsclient.Options{}) })
	for _, mount := range []string{"x/", "/x", "//", "/a//b/", "/a/../", "/./", "/a b/", "/é/", "/a?b/", "/a#/", "/a\"/", "/<s>/"} {
		mustPanic("Mount "+mount, func() { jsclient.New(m, jsclient.Options{Mount: mount}) })
	}
	for _, mount := range []string{"/", "/_session/", "/static/js-1.2_x~/"} {
		jsclient.New(m, jsclient.Options{Mount: mount})
	}
}

// served returns module.min.mjs as served for m: its code, after the header
// comments, with m's settings in place of __CONFIG__.
func served(t *testing.T, m *clientsession.Manager) []byte {
	t.Helper()
	file, err := os.ReadFile("module.min.mjs")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(file), "\n")
	for len(lines) > 0 && strings.HasPrefix(lines[0], "//") {
		lines = lines[1:]
	}
	return []byte(strings.Replace(strings.Join(lines, ""), "__CONFIG__", string(mustJSON(t, m.ClientConfig())), 1))
}

func TestServesOneFile(t *testing.T) {
	m := newManager(t, clientsession.Options{
		Prefix: "app.", Path: "/shop", Domain: "example.com", SameSite: http.SameSiteStrictMode,
		MaxTotalSize: 5000, MaxAge: 3600e9,
		Protection: map[string]clientsession.Protection{"role": clientsession.Signed, "_open": clientsession.Public},
	})
	js := jsclient.New(m, jsclient.Options{})
	rec := serve(js, "GET", js.URL())
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", js.URL(), rec.Code, rec.Body)
	}
	want := map[string]string{
		"Content-Type":           "text/javascript; charset=utf-8",
		"Cache-Control":          "public, max-age=31536000, immutable",
		"X-Content-Type-Options": "nosniff",
		"Vary":                   "Accept-Encoding",
		"Content-Encoding":       "",
	}
	for k, v := range want {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	body := rec.Body.Bytes()
	if !bytes.Equal(body, served(t, m)) {
		t.Errorf("served module differs from module.min.mjs with the settings filled in")
	}
	// One file: nothing for the browser to fetch next.
	if regexp.MustCompile(`\bimport\b|\bfrom\s*["']|//`).Match(bytes.ReplaceAll(body, []byte("://"), nil)) {
		t.Errorf("the served module imports, or holds comments:\n%s", body)
	}
	if !bytes.Contains(body, mustJSON(t, m.ClientConfig())) || bytes.Contains(body, []byte("__CONFIG__")) {
		t.Errorf("the settings are not baked in:\n%s", body)
	}
	if !regexp.MustCompile(`^/_session/[0-9a-f]{16}/index\.mjs$`).MatchString(js.URL()) ||
		!strings.Contains(js.URL(), strings.Trim(rec.Header().Get("ETag"), `"`)) {
		t.Errorf("URL %q does not name the body's hash (ETag %s)", js.URL(), rec.Header().Get("ETag"))
	}
}

// TestPartitioned: the Manager's Options.Partitioned reaches the module,
// which then writes the attribute (test/api.test.mjs checks the writes).
func TestPartitioned(t *testing.T) {
	for _, on := range []bool{false, true} {
		m := newManager(t, clientsession.Options{Partitioned: on, SameSite: http.SameSiteNoneMode})
		js := jsclient.New(m, jsclient.Options{})
		body := serve(js, "GET", js.URL()).Body.String()
		if got := strings.Contains(body, `"partitioned":true`); got != on || m.ClientConfig().Partitioned != on {
			t.Errorf("Partitioned %v: served config says %v:\n%s", on, got, body)
		}
	}
}

func TestGzip(t *testing.T) {
	m := newManager(t, clientsession.Options{})
	js := jsclient.New(m, jsclient.Options{})
	plain := serve(js, "GET", js.URL())
	gz := serve(js, "GET", js.URL(), "Accept-Encoding", browserAE)
	if gz.Code != 200 || gz.Header().Get("Content-Encoding") != "gzip" || gz.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip response: %d %v", gz.Code, gz.Header())
	}
	if !bytes.Equal(gunzip(t, gz.Body.Bytes()), plain.Body.Bytes()) {
		t.Errorf("the gzip body does not decode to the identity body")
	}
	if gz.Header().Get("Content-Length") != itoa(gz.Body.Len()) {
		t.Errorf("Content-Length %s for %d bytes", gz.Header().Get("Content-Length"), gz.Body.Len())
	}
	if e1, e2 := plain.Header().Get("ETag"), gz.Header().Get("ETag"); e1 == e2 || !regexp.MustCompile(`^"[0-9a-f]{16}"$`).MatchString(e2) {
		t.Errorf("ETags: identity %s, gzip %s; want two strong, different tags", e1, e2)
	}
	if gz.Body.Len() >= plain.Body.Len()*2/3 {
		t.Errorf("gzip %d B against %d B: not compressed", gz.Body.Len(), plain.Body.Len())
	}
}

// TestServedSize is the size claim of README.md and doc.go, measured on the
// bytes a browser downloads: the gzip response body.
func TestServedSize(t *testing.T) {
	m := newManager(t, clientsession.Options{})
	js := jsclient.New(m, jsclient.Options{})
	gz := serve(js, "GET", js.URL(), "Accept-Encoding", browserAE).Body.Len()
	plain := serve(js, "GET", js.URL()).Body.Len()
	var src int
	for _, name := range []string{"config.mjs", "cookies.mjs", "create.mjs", "decode.mjs", "encode.mjs", "index.mjs"} {
		b, err := os.ReadFile("src/" + name)
		if err != nil {
			t.Fatal(err)
		}
		src += len(b)
	}
	t.Logf("jsclient size: src %d B in 6 files; served %d B minified, %d B gzip", src, plain, gz)
	if gz > 2048 {
		t.Errorf("the module is served as %d B of gzip, over 2048 B", gz)
	}
	if gz < 500 || plain < 1500 {
		t.Errorf("served %d B / %d B gzip: the measure does not look at the real code", plain, gz)
	}
}

func TestRevalidationPerEncoding(t *testing.T) {
	m := newManager(t, clientsession.Options{})
	js := jsclient.New(m, jsclient.Options{})
	u := js.URL()
	idTag := serve(js, "GET", u).Header().Get("ETag")
	gzTag := serve(js, "GET", u, "Accept-Encoding", "gzip").Header().Get("ETag")

	for _, c := range []struct {
		ae, inm  string
		code     int
		etag, ce string
	}{
		{"", idTag, 304, idTag, ""},
		{"gzip", gzTag, 304, gzTag, ""},
		{"gzip", `"other", ` + gzTag, 304, gzTag, ""},
		{"", gzTag, 200, idTag, ""},             // a cached gzip body is not the identity one
		{"gzip", idTag, 200, gzTag, "gzip"},     // and the other way round
		{"identity", gzTag, 200, idTag, ""},     // explicitly identity
		{"gzip", `"other"`, 200, gzTag, "gzip"}, // unknown tag
		{"gzip", "*", 304, gzTag, ""},
	} {
		rec := serve(js, "GET", u, "Accept-Encoding", c.ae, "If-None-Match", c.inm)
		h := rec.Header()
		if rec.Code != c.code || h.Get("ETag") != c.etag || h.Get("Content-Encoding") != c.ce || h.Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q, If-None-Match %s: %d ETag %s Content-Encoding %q Vary %q; want %d %s %q",
				c.ae, c.inm, rec.Code, h.Get("ETag"), h.Get("Content-Encoding"), h.Get("Vary"), c.code, c.etag, c.ce)
		}
		if rec.Code == 304 && (rec.Body.Len() != 0 || h.Get("Cache-Control") == "") {
			t.Errorf("304: %d bytes, Cache-Control %q", rec.Body.Len(), h.Get("Cache-Control"))
		}
	}

	// Unversioned URLs and those of other builds get the current module,
	// revalidated on each use.
	for _, target := range []string{"/_session/index.mjs", "/_session/0123456789abcdef/index.mjs", "/elsewhere/index.mjs"} {
		for _, ae := range []string{"", "gzip"} {
			rec := serve(js, "GET", target, "Accept-Encoding", ae)
			want := map[string]string{"": idTag, "gzip": gzTag}[ae]
			if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-cache" || rec.Header().Get("ETag") != want {
				t.Errorf("%s (%q): %d, Cache-Control %q, ETag %q", target, ae, rec.Code, rec.Header().Get("Cache-Control"), rec.Header().Get("ETag"))
			}
		}
	}
}

func TestRejects(t *testing.T) {
	js := jsclient.New(newManager(t, clientsession.Options{}), jsclient.Options{})
	// The sibling files of the old multi-file module are gone too.
	for _, target := range []string{"/_session/", "/_session/x.mjs", "/_session/create.mjs", "/_session/config.mjs",
		"/_session/index.d.ts", "/_session/package.json", "/_session/module.min.mjs", "/_session/index.mjs/"} {
		if rec := serve(js, "GET", target); rec.Code != 404 || rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("GET %s: %d, Content-Encoding %q", target, rec.Code, rec.Header().Get("Content-Encoding"))
		}
	}
	rec := serve(js, "POST", js.URL())
	if rec.Code != 405 || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	for _, ae := range []string{"", "gzip"} {
		get := serve(js, "GET", js.URL(), "Accept-Encoding", ae)
		head := serve(js, "HEAD", js.URL(), "Accept-Encoding", ae)
		if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("Content-Length") != itoa(get.Body.Len()) ||
			head.Header().Get("ETag") != get.Header().Get("ETag") {
			t.Errorf("HEAD (%q): %d, %d bytes, Content-Length %q for a %d-byte GET", ae, head.Code, head.Body.Len(),
				head.Header().Get("Content-Length"), get.Body.Len())
		}
	}
	// Range is ignored: the whole module comes back.
	full := serve(js, "GET", js.URL(), "Accept-Encoding", "gzip").Body.Bytes()
	part := serve(js, "GET", js.URL(), "Accept-Encoding", "gzip", "Range", "bytes=0-9")
	if part.Code != 200 || !bytes.Equal(part.Body.Bytes(), full) {
		t.Errorf("Range 0-9: %d, %d bytes", part.Code, part.Body.Len())
	}
}

// TestSourceDefaultsMatchGo keeps src/config.mjs, what npm users get,
// equal to the settings of a Manager with default Options.
func TestSourceDefaultsMatchGo(t *testing.T) {
	src, err := os.ReadFile("src/config.mjs")
	if err != nil {
		t.Fatal(err)
	}
	_, js, ok := strings.Cut(string(src), "export default ")
	if !ok {
		t.Fatalf("src/config.mjs without export default")
	}
	var got, want any
	if err := json.Unmarshal([]byte(js), &got); err != nil {
		t.Fatalf("src/config.mjs is not JSON after export default: %v", err)
	}
	json.Unmarshal(mustJSON(t, newManager(t, clientsession.Options{}).ClientConfig()), &want)
	if !bytes.Equal(mustJSON(t, got), mustJSON(t, want)) {
		t.Errorf("src/config.mjs\n%s\nclientsession defaults\n%s", mustJSON(t, got), mustJSON(t, want))
	}
}

func TestUnderStripPrefix(t *testing.T) {
	m := newManager(t, clientsession.Options{})
	js := jsclient.New(m, jsclient.Options{Mount: "/assets/session/"})
	mux := http.NewServeMux()
	mux.Handle(js.Path(), http.StripPrefix("/assets/session", js))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	// The default client asks for gzip and decodes it.
	res, err := http.Get(srv.URL + js.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		!res.Uncompressed || !bytes.Equal(body, served(t, m)) {
		t.Errorf("GET %s: %d %q, gzip %v, %d bytes", js.URL(), res.StatusCode, res.Header.Get("Cache-Control"), res.Uncompressed, len(body))
	}
}

// TestDeprecatedWrappers keeps Handler and ScriptURL equal to New.
func TestDeprecatedWrappers(t *testing.T) {
	m := newManager(t, clientsession.Options{Protection: map[string]clientsession.Protection{"role": clientsession.Signed}})
	js := jsclient.New(m, jsclient.Options{})
	h := jsclient.Handler(m)
	if jsclient.ScriptURL(m) != js.URL() {
		t.Errorf("ScriptURL %q, URL %q", jsclient.ScriptURL(m), js.URL())
	}
	for _, ae := range []string{"", "gzip"} {
		a, b := serve(h, "GET", js.URL(), "Accept-Encoding", ae), serve(js, "GET", js.URL(), "Accept-Encoding", ae)
		if a.Code != 200 || !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) || a.Header().Get("ETag") != b.Header().Get("ETag") {
			t.Errorf("Handler(m) and New(m) differ for %q", ae)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func BenchmarkNew(b *testing.B) {
	m := newManager(b, clientsession.Options{Protection: map[string]clientsession.Protection{"role": clientsession.Signed}})
	b.ReportAllocs()
	for b.Loop() {
		jsclient.New(m, jsclient.Options{})
	}
}

func BenchmarkURL(b *testing.B) {
	js := jsclient.New(newManager(b, clientsession.Options{}), jsclient.Options{})
	b.ReportAllocs()
	for b.Loop() {
		_ = js.URL()
	}
}

// BenchmarkScriptURL is the deprecated per-call form, which encodes and
// hashes the settings each time.
func BenchmarkScriptURL(b *testing.B) {
	m := newManager(b, clientsession.Options{Protection: map[string]clientsession.Protection{"role": clientsession.Signed}})
	b.ReportAllocs()
	for b.Loop() {
		jsclient.ScriptURL(m)
	}
}

func BenchmarkServeGzip(b *testing.B) {
	js := jsclient.New(newManager(b, clientsession.Options{}), jsclient.Options{})
	req := httptest.NewRequest("GET", js.URL(), nil)
	req.Header.Set("Accept-Encoding", browserAE)
	b.ReportAllocs()
	for b.Loop() {
		js.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// TestVaryMerged keeps what a middleware in front put in Vary.
func TestVaryMerged(t *testing.T) {
	js := jsclient.New(newManager(t, clientsession.Options{}), jsclient.Options{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Cookie")
		js.ServeHTTP(w, r)
	})
	if got := serve(h, "GET", js.URL(), "Accept-Encoding", "gzip").Header().Values("Vary"); len(got) != 1 || got[0] != "Cookie, Accept-Encoding" {
		t.Errorf("Vary = %q, want [\"Cookie, Accept-Encoding\"]", got)
	}
}
