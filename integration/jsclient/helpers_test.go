// helpers_test.go holds the small fixtures the browser tests share.
package jsclient_test

import (
	"os"
	"testing"

	"github.com/fullsession/fullsession/internal/testkit/browsertest"

	"github.com/fullsession/fullsession/clientsession"
)

// testKey is 32 raw bytes (text that looks like hex would be warned about).
var testKey = []byte("\xa5\x3c\x0f\xf0 raw test key, not hex text!")

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

// TestMain stops the browser engines the tests started (once per binary).
func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }
