package clientsession

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The bad-input matrix: in every case the request succeeds, the bad key
// reads as absent, OnInvalid is told about it, and every other key of the
// session is intact.
func TestBadInputMatrix(t *testing.T) {
	secret := []byte(strings.Repeat("k", 32))
	retired := []byte(strings.Repeat("r", 32))
	newM := func(hook func(*http.Request, string, error)) *Manager {
		m, err := New(Options{Keys: [][]byte{secret}, Insecure: true, OnInvalid: hook,
			Protection: map[string]Protection{"user": Signed}, IdleTimeout: time.Hour})
		require.NoError(t, err)
		return m
	}
	m := newM(nil)
	rk, err := deriveKey(retired)
	require.NoError(t, err)
	k := m.keys[0]
	now := time.Now().Unix()
	exp := now + 3600
	userJS := []byte(`{"surname":"Lee","name":"Ann"}`)

	// Values of an anonymous session (no subject key: unbound).
	at := func(exp int64) meta { return meta{exp: exp, issued: now * 1000, seen: now * 1000} }
	signed := func(k *key, name string, exp int64) string {
		return string(appendSigned(nil, k, name, at(exp), userJS))
	}
	sealed := func(k *key, name string, exp int64, js string) string {
		return string(appendPrivate(nil, k, name, at(exp), []byte(js)))
	}
	goodUser := signed(k, "session.user", exp)
	goodID := sealed(k, "session._id", exp, `7`)
	userHead, userMAC, userPayload := splitSigned(t, goodUser)
	userSID := strings.Split(userHead, ".")[4]
	// A value last seen 2 hours ago, over the 1-hour idle window; and one
	// renewed (seen) 10 minutes ago.
	idle := meta{exp: exp, issued: (now - 7300) * 1000, seen: (now - 7200) * 1000}
	renewed := meta{exp: exp, issued: (now - 7200) * 1000, seen: (now - 600) * 1000}
	idleUser := string(appendSigned(nil, k, "session.user", idle, userJS))
	renewedUser := string(appendSigned(nil, k, "session.user", renewed, userJS))
	renewedID := string(appendPrivate(nil, k, "session._id", renewed, []byte(`7`)))
	// The same spelling test for Private: 94 raw bytes leave 4 spare bits.
	require.Equal(t, b64.EncodedLen(sealOverhead2+1), len(goodID))
	good := map[string]string{
		"user": goodUser, "_id": goodID, "lang": "%22fr%22", "sel": "[1%2C2%2C3]",
	}
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	big := `"` + strings.Repeat("x", 5000) + `"`

	cases := []struct {
		name   string
		bad    string // the key that must read as absent ("" when the case only adds noise)
		cookie string // put before the good cookies, so it wins over a good duplicate
	}{
		{"private truncated", "_id", "session._id=" + goodID[:len(goodID)-4]},
		{"private truncated to the header", "_id", "session._id=" + goodID[:30]},
		{"private bit flipped in ciphertext", "_id", "session._id=" + flip(goodID, len(goodID)-10)},
		{"private bit flipped in nonce", "_id", "session._id=" + flip(goodID, 12)},
		{"private not base64url", "_id", "session._id=" + goodID[:20] + "*" + goodID[21:]},
		{"private standard base64 padding", "_id", "session._id=" + goodID + "=="},
		{"private moved to another name", "_other", "session._other=" + goodID},
		{"private sealed for another prefix", "_id", "session._id=" + sealed(k, "app._id", exp, `7`)},
		{"private expired", "_id", "session._id=" + sealed(k, "session._id", now-1, `7`)},
		{"private under a retired key", "_id", "session._id=" + sealed(rk, "session._id", exp, `7`)},
		{"private unknown key id", "_id", "session._id=" + flip(goodID, 3)},
		{"private other version", "_id", "session._id=Ag" + goodID[2:]},
		{"private empty", "_id", "session._id="},
		{"private plain json", "_id", "session._id=7"},
		{"private oversize", "_id", "session._id=" + sealed(k, "session._id", exp, big)},
		{"private spare bits of the last base64 character set", "_id", "session._id=" + flipSpareBits(t, goodID, sealOverhead2+1)},
		{"private quoted", "_id", `session._id="` + goodID + `"`},
		{"private idle window expired", "_id", "session._id=" + string(appendPrivate(nil, k, "session._id", idle, []byte(`7`)))},
		{"private renewed value moved to another key", "_other", "session._other=" + renewedID},
		{"signed idle window expired", "user", "session.user=" + idleUser},
		{"signed last-seen time forged", "user", "session.user=" + strings.Replace(idleUser, fmt.Sprintf(".%d.", (now-7200)*1000), fmt.Sprintf(".%d.", now*1000), 1)},
		{"signed renewed value moved to another key", "admin", "session.admin=" + renewedUser},
		{"signed session id of another login", "user", "session.user=" + string(appendSigned(nil, k, "session.user", meta{exp: exp, issued: now * 1000, seen: now * 1000, sid: newSessionID()}, userJS))},
		{"signed session id forged", "user", "session.user=" + strings.Replace(goodUser, userSID, "BBBBBBBBBBBBBBBBBBBBBA", 1)},
		{"signed spare bits of the session id", "user", "session.user=" + strings.Replace(goodUser, "."+userSID+".", "."+flipSpareBits(t, userSID, sidLen)+".", 1)},
		{"signed spare bits of the mac", "user", "session.user=" + userHead + "." + flipSpareBits(t, userMAC, 32) + "." + userPayload},
		{"signed quoted", "user", `session.user="` + goodUser + `"`},
		{"signed payload percent-encoded differently", "user", "session.user=" + userHead + "." + userMAC + "." + strings.ReplaceAll(userPayload, "{", "%7B")},
		{"signed payload with lower-case hex", "user", "session.user=" + userHead + "." + userMAC + "." + strings.ReplaceAll(userPayload, "%2C", "%2c")},
		{"signed issue time with a leading zero", "user", "session.user=" + strings.Replace(goodUser, fmt.Sprintf(".%d.", now*1000), fmt.Sprintf(".0%d.", now*1000), 1)},
		{"signed payload changed", "user", "session.user=" + strings.Replace(goodUser, "Ann", "Bob", 1)},
		{"signed expiry changed", "user", "session.user=" + strings.Replace(goodUser, fmt.Sprint(exp), fmt.Sprint(exp+1), 1)},
		{"signed mac changed", "user", "session.user=" + flip(goodUser, len("s1.")+len(fmt.Sprint(exp))+5)},
		{"signed moved to another name", "admin", "session.admin=" + goodUser},
		{"signed expired", "user", "session.user=" + signed(k, "session.user", now-1)},
		{"signed under a retired key", "user", "session.user=" + signed(rk, "session.user", exp)},
		{"signed without mac", "user", fmt.Sprintf("session.user=s1.%d.%s", exp, appendPublic(nil, userJS))},
		{"signed as plain public json", "user", "session.user=" + string(appendPublic(nil, userJS))},
		{"signed future version", "user", "session.user=s3." + goodUser[3:]},
		{"public raw json from a careless script", "bad", `session.bad={"name":"Ann Lee, Jr"}`},
		{"public invalid percent escape", "bad", "session.bad=%22%ZZ%22"},
		{"public truncated percent escape", "bad", "session.bad=%22a%2"},
		{"public invalid utf-8", "bad", "session.bad=%22%FF%FE%22"},
		{"public overlong utf-8", "bad", "session.bad=%22%C0%AF%22"},
		{"public not json", "bad", "session.bad=hello"},
		{"public two json values", "bad", "session.bad=1%202"},
		{"public unbalanced quote", "bad", `session.bad="%22x%22`},
		{"public quote inside", "bad", `session.bad="a"b"`},
		{"public control byte", "bad", "session.bad=%22a\x01b%22"},
		{"public empty", "bad", "session.bad="},
		{"public oversize", "bad", "session.bad=" + big},
		{"public 4 KB of [", "bad", "session.bad=" + strings.Repeat("[", MaxCookieSize-len("session.bad"))},
		{"public nested 33 deep", "bad", "session.bad=" + strings.Repeat("[", 33) + strings.Repeat("]", 33)},
		{"duplicate name, bad first", "lang", "session.lang=%ZZ"},
		// Cookie floods: TestCookieFlood in session_test.go (the scan
		// stops at the 200th pair, so they cannot go before good cookies).
		{"huge cookie header", "", "big=" + strings.Repeat("z", 64<<10)},
		{"invalid key name is ignored", "", "session.a%20b=1; session.=2; session.x;y=3"},
	}
	require.GreaterOrEqual(t, len(cases), 30)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			var told []string
			m := newM(func(r *http.Request, key string, err error) {
				mu.Lock()
				defer mu.Unlock()
				told = append(told, key)
				assert.NotContains(t, err.Error(), "Ann", "errors never carry values")
			})
			var parts []string
			if c.cookie != "" {
				parts = append(parts, c.cookie)
			}
			for key, v := range good {
				parts = append(parts, "session."+key+"="+v)
			}
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Cookie", strings.Join(parts, "; "))
			rec := httptest.NewRecorder()
			m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := From(r)
				if c.bad != "" {
					var v any
					found, err := s.Get(c.bad, &v)
					assert.NoError(t, err)
					assert.False(t, found, "bad key reads as absent")
				}
				if c.bad != "user" {
					u, found, err := Get[struct{ Name string }](s, "user")
					assert.NoError(t, err)
					assert.True(t, found, "user intact")
					assert.Equal(t, "Ann", u.Name)
				}
				if c.bad != "_id" {
					id, found, _ := Get[int](s, "_id")
					assert.True(t, found, "_id intact")
					assert.Equal(t, 7, id)
				}
				if c.bad != "lang" {
					lang, found, _ := Get[string](s, "lang")
					assert.True(t, found, "lang intact")
					assert.Equal(t, "fr", lang)
				}
				sel, found, _ := Get[[]int](s, "sel")
				assert.True(t, found, "sel intact")
				assert.Equal(t, []int{1, 2, 3}, sel)
				w.Write([]byte("ok"))
			})).ServeHTTP(rec, req)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, "ok", rec.Body.String())
			if c.bad != "" {
				assert.Equal(t, []string{c.bad}, told, "hook told about the bad key only")
			} else {
				assert.Empty(t, told)
			}
		})
	}
}

func TestEmptyCookieHeader(t *testing.T) {
	m, err := New(Options{Keys: [][]byte{[]byte(strings.Repeat("k", 32))}})
	require.NoError(t, err)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header["Cookie"] = []string{"", " ", ";;"}
	rec := httptest.NewRecorder()
	m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Empty(t, From(r).Keys())
	})).ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)
}
