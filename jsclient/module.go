// module.go holds Module: the one-file ES module with a Manager's settings
// baked in, its hashed URL and its handler.

package jsclient

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/internal/httpcache"
)

// Path is the default mount path of a [Module] ([Options].Mount).
const Path = "/_session/"

// Entry is the file name of the module under its hashed directory.
const Entry = "index.mjs"

// Options configures a [Module]. The zero value is ready to use.
type Options struct {
	// Mount is the URL path the Module is mounted at; URL returns a path
	// under it. It must start and end with "/" and hold only unreserved
	// path characters. Default [Path] ("/_session/").
	Mount string
}

// Module serves the jsclient ES module for one Manager: one file, minified,
// with the Manager's cookie settings baked in, as identity or gzip. Build
// it once with [New] next to the Manager; it is safe for concurrent use.
type Module struct {
	mount    string
	url      string
	hash     string
	identity representation
	gzip     representation
}

// representation is one encoding of the module's bytes.
type representation struct {
	body []byte
	etag string
}

//go:generate node build.mjs

// generated is module.min.mjs, written by build.mjs from src/.
//
//go:embed module.min.mjs
var generated []byte

// configToken stands in generated for the settings object.
const configToken = "__CONFIG__"

// code is generated without its header comments: the bytes served, but for
// the settings.
var code = func() []byte {
	b := generated
	for bytes.HasPrefix(b, []byte("//")) {
		_, b, _ = bytes.Cut(b, []byte("\n"))
	}
	if bytes.Count(b, []byte(configToken)) != 1 {
		panic("jsclient: module.min.mjs must hold " + configToken + " once; run go generate ./jsclient")
	}
	return b
}()

// New returns the Module for m. It reads m's settings once ([clientsession.Manager.ClientConfig]):
// prefix, path, domain, SameSite, Secure, MaxAge, the per-key protection
// levels and the size limits. It panics when m is nil or opts.Mount is
// invalid, since both are programming errors.
//
// Mount it at [Module.Path] and give pages [Module.URL]:
//
//	js := jsclient.New(m, jsclient.Options{})
//	mux.Handle(js.Path(), js)
func New(m *clientsession.Manager, opts Options) *Module {
	if m == nil {
		panic("jsclient: New with a nil Manager")
	}
	mount := cmp.Or(opts.Mount, Path)
	if !validMount(mount) {
		panic("jsclient: Options.Mount " + strconv.Quote(mount) + " must start and end with \"/\" and hold only unreserved path characters")
	}
	body := source(m)
	hash := digest(body)
	gz := gzipped(body)
	return &Module{
		mount:    mount,
		url:      mount + hash + "/" + Entry,
		hash:     hash,
		identity: representation{body: body, etag: `"` + hash + `"`},
		gzip:     representation{body: gz, etag: `"` + digest(gz) + `"`},
	}
}

// URL returns the path of the module for pages to import:
//
//	<script type="module">import session from "{{.SessionURL}}"</script>
//
// It is the mount path followed by a content hash and [Entry], so it
// changes whenever the module or the Manager's settings change, and the
// response may be cached for a year.
func (mod *Module) URL() string { return mod.url }

// Path returns the mount path (Options.Mount), for mux.Handle(mod.Path(), mod).
func (mod *Module) Path() string { return mod.mount }

// ServeHTTP serves the module to GET and HEAD requests whose path ends in
// "/index.mjs", so it works with or without [http.StripPrefix]. Other paths
// get 404 and other methods 405.
//
// When the directory before the file name is the current hash (as in
// [Module.URL]) the response is "public, max-age=31536000, immutable";
// otherwise (an unversioned URL, or one of an older build) it is the
// current module with "no-cache", so that caches revalidate.
//
// It serves gzip to requests whose Accept-Encoding accepts it (q > 0, and
// identity not preferred by a higher q), identity otherwise, always with
// "Vary: Accept-Encoding". Each encoding has its own strong ETag, honoured
// by If-None-Match with a 304. HEAD gets the headers of GET. Range
// requests get the whole module (RFC 9110 §14.2 lets a server ignore Range;
// the module is a few KB).
// It reads no session, so it needs no session middleware in front of it.
func (mod *Module) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "jsclient: method not allowed", http.StatusMethodNotAllowed)
		return
	}
	dir, name := path.Split(r.URL.Path)
	if name != Entry {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	httpcache.AddVary(hdr, "Accept-Encoding")
	rep := &mod.identity
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		rep = &mod.gzip
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("Content-Type", "text/javascript; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("ETag", rep.etag)
	if path.Base(dir) == mod.hash {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	if noneMatch(r.Header.Values("If-None-Match"), rep.etag) {
		hdr.Del("Content-Type")
		hdr.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Length", strconv.Itoa(len(rep.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(rep.body)
	}
}

// noneMatch reports whether If-None-Match field values list etag or "*"
// (RFC 9110 §13.1.2, weak comparison), so that the answer is 304.
func noneMatch(values []string, etag string) bool {
	for _, v := range values {
		for tag := range strings.SplitSeq(v, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
				return true
			}
		}
	}
	return false
}

// source returns the module for m: code with m's settings in place of the token.
func source(m *clientsession.Manager) []byte {
	config, err := json.Marshal(m.ClientConfig())
	if err != nil { // ClientConfig holds strings, ints, bools and a map: unreachable
		panic("jsclient: encoding ClientConfig: " + err.Error())
	}
	return bytes.Replace(code, []byte(configToken), config, 1)
}

// digest returns the first 8 bytes of b's SHA-256, in hex.
func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// gzipped returns b compressed with gzip at the best compression. The
// header carries no name and no time, so the bytes depend on b alone.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	zw.Write(b)                                              // a bytes.Buffer never fails
	zw.Close()
	return buf.Bytes()
}

// validMount reports whether p can prefix the module's URL: it starts and
// ends with "/", has no empty, "." or ".." segment, and holds only
// unreserved characters (RFC 3986 §2.3), so it needs no escaping in HTML,
// JS or a URL.
func validMount(p string) bool {
	if !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") {
		return false
	}
	if p == "/" {
		return true
	}
	for seg := range strings.SplitSeq(p[1:len(p)-1], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for _, c := range []byte(seg) {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0) {
				return false
			}
		}
	}
	return true
}
