// Package jsclient lets page scripts read and write a [clientsession]
// session. It serves one small, dependency-free ES module (ES2020; about
// 3 KB minified, 1.7 KB as served with gzip) with the Manager's cookie
// settings baked in, so a cached page can be personalised from the cookies
// without a request to the origin.
//
// Build a [Module] once, next to the Manager, mount it, and give its URL
// to your templates:
//
//	m, err := clientsession.New(clientsession.Options{Keys: keys})
//	...
//	js := jsclient.New(m, jsclient.Options{}) // Options.Mount defaults to "/_session/"
//	mux.Handle(js.Path(), js)                  // chi: r.Handle(js.Path()+"*", js)
//	mux.Handle("/", m.Middleware(pages))       // pages get js.URL() for their template
//
//	<link rel="modulepreload" href="{{.SessionURL}}">
//	<script type="module">
//	  import session from "{{.SessionURL}}"
//	  document.querySelector("#name").textContent = session.get("user")?.name ?? ""
//	</script>
//
// The first view of a page costs one request for the module: it is a single
// file with nothing to import, and modulepreload starts it with the HTML.
// [Module.URL] carries a content hash, so the module is served with
// "Cache-Control: public, max-age=31536000, immutable" and every later view
// costs none; a new URL comes with each change of the module or of the
// settings. The Module reads no session, so it needs no session middleware
// in front of it. It serves gzip to clients that accept it, with
// "Vary: Accept-Encoding" and an ETag per encoding.
//
// # JS API
//
// The module's default export (declared in index.d.ts) has:
//
//   - get(key): the JSON value of a Public or Signed key, or undefined when
//     it is absent, Private, malformed or expired. It never throws.
//   - set(key, value, {maxAge, session}): writes a Public key, encoded
//     exactly as the Go side encodes it (FORMAT.md §2); {session: true}
//     writes a cookie without Max-Age, which ends with the browser session.
//     It throws a TypeError for Signed, Private and invalid keys and a
//     RangeError when the cookie would pass the server's limits (size, or a
//     maxAge over 400 days), so the browser never drops or caps it silently.
//   - pop(key): reads a Public key, removes it and returns its value: a flash
//     message set by the server before a redirect shows once, even on a page
//     served from a shared cache, and is gone in every tab afterwards.
//   - remove(key), keys() and withConfig(settings).
//   - onChange(callback): called with {key, value} for each change made in
//     this tab, in another tab or by a response; returns an unsubscribe
//     function. It uses Cookie Store API change events in secure contexts
//     (HTTPS, localhost) and elsewhere a BroadcastChannel between tabs plus
//     a one-second poll of document.cookie.
//
// Writes carry the Manager's attributes: Path, Domain, SameSite, Secure and,
// with Options.Partitioned, Partitioned (removals too). Names use the
// Manager's prefix, "__Host-session." by default when Secure. Calls are
// no-ops without a document (server-side rendering).
//
// # Security
//
// The page can read Public and Signed values and write Public ones; it
// never sees Private values, which are HttpOnly. A page reads a Signed
// value without its key, so it cannot tell a forged one; the server can,
// and reads a Signed cookie overwritten by a script as absent. Treat
// Public values as user input on the server.
//
// # Limits
//
// set counts the session's total size ("name=value; " summed, as the
// server does) over the cookies document.cookie shows. HttpOnly Private
// cookies are invisible to page scripts, so their bytes are not counted:
// keep headroom in Options.MaxTotalSize for Private keys. The server checks
// the total again in [clientsession.Session.Set].
//
// # Building the module
//
// The served file, module.min.mjs, is generated from src/ by build.mjs with
// esbuild (the devDependency pinned in package-lock.json) and committed:
//
//	cd jsclient && npm ci && go generate .
//
// A Go test fails when it is older than its sources, and a Node test
// rebuilds it and compares every byte.
//
// # npm
//
// The sources, with a package.json and index.d.ts, form the npm package
// @fullsession/jsclient for bundlers. Its built-in settings are the
// clientsession defaults; call session.withConfig when the server's differ.
//
// # Compatibility
//
// [Handler] and [ScriptURL], the API of the earlier multi-file module, are
// deprecated wrappers over New and will be removed in the next release. The
// sibling files that module imported (create.mjs, config.mjs, ...) are no
// longer served.
package jsclient
