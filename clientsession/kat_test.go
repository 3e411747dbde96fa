// kat_test.go holds known-answer tests that rebuild every valid Signed and
// Private test vector, of both format versions, step by step from
// FORMAT.md with crypto/hkdf, crypto/hmac and chacha20poly1305 directly.
// They never call clientsession's codec (this is an external test
// package), so a change to the code that regenerating vectors.json would
// follow (a label, a field order, an encoding) still fails here.
package clientsession_test

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/chacha20poly1305"
)

// katVector is FORMAT.md §7's case, read on its own here.
type katVector struct {
	Name       string  `json:"name"`
	Protection string  `json:"protection"`
	Cookie     string  `json:"cookie"`
	Value      string  `json:"value"`
	JSON       *string `json:"json"`
	Expect     string  `json:"expect"`
	Key        *int    `json:"key"`
	Exp        int64   `json:"exp"`
	Issued     int64   `json:"issued"`
	Seen       int64   `json:"seen"`
	SID        string  `json:"sid"`
	Nonce      string  `json:"nonce"`
}

type katFile struct {
	Version int         `json:"version"`
	Keys    []string    `json:"keys"`
	Cases   []katVector `json:"cases"`
}

// katKeys are the sub-keys of FORMAT.md §5, derived with the labels as
// FORMAT.md spells them.
type katKeys struct{ sign, seal, id []byte }

func deriveKAT(t *testing.T, secretHex string) katKeys {
	s, err := hex.DecodeString(secretHex)
	require.NoError(t, err)
	k := func(info string, n int) []byte {
		b, err := hkdf.Key(sha256.New, s, nil, info, n)
		require.NoError(t, err)
		return b
	}
	return katKeys{
		sign: k("fullsession/v1 sign", 32),
		seal: k("fullsession/v1 seal", 32),
		id:   k("fullsession/v1 key-id", 4),
	}
}

// pctKAT is FORMAT.md §2's encoding: these bytes literal, the rest %XX.
func pctKAT(js string) string {
	const lit = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&'()*+-./:<=>?@[]^_`{|}~"
	var b strings.Builder
	for i := 0; i < len(js); i++ {
		if strings.IndexByte(lit, js[i]) >= 0 {
			b.WriteByte(js[i])
		} else {
			fmt.Fprintf(&b, "%%%02X", js[i])
		}
	}
	return b.String()
}

var b64KAT = base64.RawURLEncoding

func hmacKAT(key []byte, parts ...string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(strings.Join(parts, "\x00")))
	return b64KAT.EncodeToString(h.Sum(nil))
}

// signedV2KAT is FORMAT.md §3, version 2.
func signedV2KAT(k katKeys, v katVector, sid []byte) string {
	head := fmt.Sprintf("s2.%d.%d.%d.%s", v.Exp, v.Issued, v.Seen, b64KAT.EncodeToString(sid))
	payload := pctKAT(*v.JSON)
	mac := hmacKAT(k.sign, "fullsession/v2/signed", v.Cookie, head, payload)
	return head + "." + mac + "." + payload
}

// privateV2KAT is FORMAT.md §4, version 2.
func privateV2KAT(t *testing.T, k katKeys, v katVector, sid, nonce []byte) string {
	aead, err := chacha20poly1305.NewX(k.seal)
	require.NoError(t, err)
	pt := binary.BigEndian.AppendUint64(nil, uint64(v.Exp))
	pt = binary.BigEndian.AppendUint64(pt, uint64(v.Issued))
	pt = binary.BigEndian.AppendUint64(pt, uint64(v.Seen))
	pt = append(pt, sid...)
	pt = append(pt, *v.JSON...)
	raw := append([]byte{0x02}, k.id...)
	raw = append(raw, nonce...)
	raw = aead.Seal(raw, nonce, pt, []byte("fullsession/v2/private\x00"+v.Cookie))
	return b64KAT.EncodeToString(raw)
}

func readKAT(t *testing.T, path string, version int) katFile {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var f katFile
	require.NoError(t, json.Unmarshal(b, &f))
	require.Equal(t, version, f.Version)
	return f
}

func TestKnownAnswersV2(t *testing.T) {
	f := readKAT(t, "testdata/vectors.json", 2)
	var keys []katKeys
	for _, s := range f.Keys {
		keys = append(keys, deriveKAT(t, s))
	}
	counts := map[string]int{}
	for _, v := range f.Cases {
		if v.Expect != "ok" || v.Protection == "public" {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			require.NotNil(t, v.Key, "every ok Signed and Private v2 case says how it was written")
			require.NotNil(t, v.JSON)
			sid, err := hex.DecodeString(v.SID)
			require.NoError(t, err)
			require.Len(t, sid, 16)
			k := keys[*v.Key]
			switch v.Protection {
			case "signed":
				assert.Equal(t, signedV2KAT(k, v, sid), v.Value)
			case "private":
				nonce, err := hex.DecodeString(v.Nonce)
				require.NoError(t, err)
				require.Len(t, nonce, 24)
				assert.Equal(t, privateV2KAT(t, k, v, sid, nonce), v.Value)
			default:
				t.Fatalf("unknown protection %q", v.Protection)
			}
		})
		counts[v.Protection]++
	}
	assert.GreaterOrEqual(t, counts["signed"], 3)
	assert.GreaterOrEqual(t, counts["private"], 3)
}

// TestKnownAnswersV1 rebuilds version 1's vectors, as version 1 wrote
// them: Signed from the expiry on the wire; Private by opening the seal
// with the key its key-id names and sealing the plaintext again under
// the same nonce.
func TestKnownAnswersV1(t *testing.T) {
	f := readKAT(t, "testdata/vectors-v1.json", 1)
	var keys []katKeys
	for _, s := range f.Keys {
		keys = append(keys, deriveKAT(t, s))
	}
	counts := map[string]int{}
	for _, v := range f.Cases {
		if v.Expect != "ok" || v.Protection == "public" {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			require.NotNil(t, v.JSON)
			switch v.Protection {
			case "signed":
				exp, _, ok := strings.Cut(strings.TrimPrefix(v.Value, "s1."), ".")
				require.True(t, ok)
				_, err := strconv.ParseUint(exp, 10, 63)
				require.NoError(t, err)
				var rebuilt []string
				for _, k := range keys {
					mac := hmacKAT(k.sign, "fullsession/v1/signed", v.Cookie, exp, *v.JSON)
					rebuilt = append(rebuilt, "s1."+exp+"."+mac+"."+pctKAT(*v.JSON))
				}
				assert.Contains(t, rebuilt, v.Value)
			case "private":
				raw, err := b64KAT.Strict().DecodeString(v.Value)
				require.NoError(t, err)
				require.Equal(t, byte(0x01), raw[0])
				var k *katKeys
				for i := range keys {
					if string(keys[i].id) == string(raw[1:5]) {
						k = &keys[i]
					}
				}
				require.NotNil(t, k, "key-id names a vector key")
				aead, err := chacha20poly1305.NewX(k.seal)
				require.NoError(t, err)
				nonce := raw[5:29]
				ad := []byte("fullsession/v1/private\x00" + v.Cookie)
				pt, err := aead.Open(nil, nonce, raw[29:], ad)
				require.NoError(t, err)
				assert.Equal(t, *v.JSON, string(pt[8:]))
				again := aead.Seal(append([]byte{0x01}, append(k.id, nonce...)...), nonce, pt, ad)
				assert.Equal(t, v.Value, b64KAT.EncodeToString(again))
			}
		})
		counts[v.Protection]++
	}
	assert.GreaterOrEqual(t, counts["signed"], 2)
	assert.GreaterOrEqual(t, counts["private"], 2)
}
