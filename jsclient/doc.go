// Package jsclient lets page scripts read and write a [clientsession]
// session. It serves a small, dependency-free ES module (ES2020, under 2 KB
// minified and gzipped) with the Manager's cookie settings baked in.
//
// Mount the module next to your pages and import it from a template:
//
//	m, _ := clientsession.New(clientsession.Options{Keys: keys})
//	mux.Handle(jsclient.Path, jsclient.Handler(m))
//	mux.Handle("/", m.Middleware(pages))
//
//	<script type="module">
//	  import session from "{{.ScriptURL}}" // jsclient.ScriptURL(m)
//	  document.querySelector("#name").textContent = session.get("user")?.name ?? ""
//	</script>
//
// [ScriptURL] carries a content hash, so the module is served with
// "Cache-Control: public, max-age=31536000, immutable" and a new URL comes
// with each change of the module or of the settings. The entry module
// imports a few sibling files from the same hashed directory; add
// <link rel="modulepreload" href="{{.ScriptURL}}"> to start the fetch early.
// The Handler reads no session, so it needs no session middleware in
// front of it. To mount the Handler elsewhere, serve it there and replace the [Path]
// prefix of ScriptURL's result: the Handler matches on the last two path
// segments only.
//
// # JS API
//
// The module's default export (declared in index.d.ts) has:
//
//   - get(key): the JSON value of a Public or Signed key, or undefined when
//     it is absent, Private, malformed or expired. It never throws.
//   - set(key, value, {maxAge}): writes a Public key, encoded exactly as
//     the Go side encodes it (FORMAT.md §2). It throws a TypeError for
//     Signed, Private and invalid keys and a RangeError when the cookie
//     would pass the server's limits, so the browser never drops it silently.
//   - remove(key), keys() and withConfig(settings).
//   - onChange(callback): called with {key, value} for each change made in
//     this tab, in another tab or by a response; returns an unsubscribe
//     function. It uses Cookie Store API change events in secure contexts
//     (HTTPS, localhost) and elsewhere a BroadcastChannel between tabs plus
//     a one-second poll of document.cookie.
//
// Calls are no-ops without a document (server-side rendering).
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
// # npm
//
// The same sources, with a package.json and index.d.ts, form the npm package
// @fullsession/jsclient for bundlers. Its built-in settings are the
// clientsession defaults; call session.withConfig when the server's differ.
package jsclient
