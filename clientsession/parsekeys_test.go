// parsekeys_test.go tests ParseKeys, New's warning for text keys and the
// wording of key errors (issue 17 items 7 and 8).
package clientsession_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKeys(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{0x01, 0xfe}, 16), bytes.Repeat([]byte{0x7c}, 48)
	good := map[string][][]byte{
		hex.EncodeToString(k1):                                                       {k1},
		strings.ToUpper(hex.EncodeToString(k1)):                                      {k1},
		base64.StdEncoding.EncodeToString(k1):                                        {k1},
		base64.RawStdEncoding.EncodeToString(k1):                                     {k1},
		base64.URLEncoding.EncodeToString(k1):                                        {k1},
		base64.RawURLEncoding.EncodeToString(k1):                                     {k1},
		" " + hex.EncodeToString(k1) + " , " + base64.StdEncoding.EncodeToString(k2): {k1, k2},
	}
	for in, want := range good {
		got, err := clientsession.ParseKeys(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	secret := hex.EncodeToString(k1)
	bad := map[string]string{
		"":                         "secret 1 is empty",
		secret + ",":               "secret 2 is empty",
		strings.Repeat("ab", 16):   "secret 1 decodes to 16 bytes, need at least 32", // 32 hex characters
		secret + "," + secret[:40]: "secret 2 decodes to 20 bytes",
		"not a key!":               "secret 1 is neither hex nor base64",
		base64.StdEncoding.EncodeToString(k1) + "*": "neither hex nor base64",
	}
	for in, want := range bad {
		_, err := clientsession.ParseKeys(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
		assert.True(t, strings.HasPrefix(err.Error(), "clientsession: ParseKeys: "), err.Error())
		if in != "" {
			assert.NotContains(t, err.Error(), strings.TrimSuffix(in, ","), "errors never hold the secret")
		}
	}
}

func TestNewWarnsAboutTextKeys(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	raw := bytes.Repeat([]byte{0x01, 0xfe}, 16)
	hexKey := []byte(hex.EncodeToString(raw))                   // 64 characters, 32 bytes of randomness
	b64Key := []byte(base64.RawURLEncoding.EncodeToString(raw)) // 43 characters
	for _, c := range []struct {
		keys [][]byte
		want string
	}{
		{[][]byte{raw}, ""},
		{[][]byte{[]byte("a passphrase, not hex or base64!!")}, ""},
		{[][]byte{raw, hexKey}, "Options.Keys[1] looks like hex text"},
		{[][]byte{b64Key}, "Options.Keys[0] looks like base64 text"},
	} {
		mu.Lock()
		buf.Reset()
		mu.Unlock()
		_, err := clientsession.New(clientsession.Options{Keys: c.keys})
		require.NoError(t, err, "a warning, not an error")
		mu.Lock()
		out := buf.String()
		mu.Unlock()
		if c.want == "" {
			assert.Empty(t, out)
			continue
		}
		assert.Contains(t, out, c.want)
		assert.Contains(t, out, "ParseKeys")
		for _, k := range c.keys {
			assert.NotContains(t, out, string(k[:8]), "the secret is never logged")
		}
	}
}

func TestKeyErrorsNameTheKeyOnce(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		err := clientsession.From(r).Set("a b", 1)
		assert.ErrorIs(t, err, clientsession.ErrInvalidKey)
		assert.Equal(t, `clientsession: invalid session key "a b": use 1 to 64 of A-Z a-z 0-9 . _ -`, err.Error())
		_, err = clientsession.From(r).Get("", new(int))
		assert.ErrorContains(t, err, `invalid session key ""`)
		assert.ErrorContains(t, clientsession.From(r).Delete("é"), `"é"`)
	})
	_, err := clientsession.New(clientsession.Options{Keys: [][]byte{secretA},
		Protection: map[string]clientsession.Protection{"bad key": clientsession.Signed}})
	assert.ErrorIs(t, err, clientsession.ErrInvalidKey)
	assert.Equal(t, `clientsession: Options.Protection: invalid session key "bad key": use 1 to 64 of A-Z a-z 0-9 . _ -`, err.Error())
	assert.Equal(t, 1, strings.Count(err.Error(), "clientsession"), "the package name once")
	_, err = clientsession.New(clientsession.Options{Keys: [][]byte{secretA},
		Protection: map[string]clientsession.Protection{"k": 9}})
	assert.Equal(t, 1, strings.Count(err.Error(), "clientsession"), err.Error())
	_, err = clientsession.New(clientsession.Options{Keys: [][]byte{secretA}, SubjectKey: "a;b"})
	assert.Equal(t, 1, strings.Count(err.Error(), "clientsession"), err.Error())
}

// TestDefaultPrefixStopsTossing: with Secure on, cookies are __Host-
// by default (issue 18 item 4), which browsers refuse from sibling
// subdomains and plain-HTTP pages; jsclient gets the same prefix.
func TestDefaultPrefixStopsTossing(t *testing.T) {
	for _, c := range []struct {
		o    clientsession.Options
		want string
	}{
		{clientsession.Options{}, "__Host-session."},
		{clientsession.Options{Domain: "example.com"}, "__Secure-session."},
		{clientsession.Options{Path: "/shop"}, "__Secure-session."},
		{clientsession.Options{Insecure: true}, "session."},
		{clientsession.Options{Prefix: "app."}, "app."},
	} {
		c.o.Keys = [][]byte{secretA}
		m, err := clientsession.New(c.o)
		require.NoError(t, err)
		assert.Equal(t, c.want+"k", m.CookieName("k"))
		assert.Equal(t, c.want, m.ClientConfig().Prefix, "jsclient names cookies the same way")
	}
	m, _ := clientsession.New(clientsession.Options{Keys: [][]byte{secretA}})
	req := httptest.NewRequest("GET", "/", nil)
	// A tossed cookie under the unprefixed name is not the session's.
	req.Header.Set("Cookie", "session.user=x; session._auth_user_id=y")
	rec := httptest.NewRecorder()
	m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Empty(t, clientsession.From(r).Keys())
		clientsession.From(r).Set("lang", "fr")
	})).ServeHTTP(rec, req)
	assert.Equal(t, "__Host-session.lang=%22fr%22; Path=/; Secure; SameSite=Lax; Max-Age=1209600", rec.Header().Get("Set-Cookie"))
}
