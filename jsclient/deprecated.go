// deprecated.go holds the package-level API of the multi-file module,
// kept for one release as thin wrappers over Module.

package jsclient

import (
	"net/http"

	"github.com/fullsession/fullsession/clientsession"
)

// Handler returns New(m, Options{}): the module served at any path ending
// in "/index.mjs".
//
// Deprecated: build the Module once with [New] and use it as the handler;
// Handler will be removed in the next release.
func Handler(m *clientsession.Manager) http.Handler { return New(m, Options{}) }

// ScriptURL returns New(m, Options{}).URL(), the module's URL under [Path].
// It encodes and hashes m's settings on every call.
//
// Deprecated: call [Module.URL] on the Module built once with [New];
// ScriptURL will be removed in the next release.
func ScriptURL(m *clientsession.Manager) string {
	return Path + digest(source(m)) + "/" + Entry
}
