package clientsession

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

type fsUser struct {
	Surname string `json:"surname"`
	Name    string `json:"name"`
}

type fsMixed struct {
	ID     int    `json:"id,omitempty"`
	Small  int8   `json:"small"`
	Port   uint16 `json:"port"`
	Big    uint64 `json:"big"`
	On     bool   `json:"on"`
	Plain  string // named by its Go name
	Skip   string `json:"-"`
	hidden string
}

type fsDash struct {
	Dash string `json:"a-b"` // a valid name that is not a plain one, so no plan
}

type fsFlat struct {
	A    int64 `json:"a"`
	B    string
	C    bool `json:"c,omitzero"`
	skip int
}

type fsText string

func (t *fsText) UnmarshalText(b []byte) error { *t = fsText(strings.ToUpper(string(b))); return nil }

type fsCustom struct {
	T fsText `json:"t"`
}

type fsString struct {
	N int `json:"n,string"`
}

type fsEmbedded struct {
	fsUser
	Extra string `json:"extra"`
}

type fsNumber struct {
	N json.Number `json:"n"`
}

type fsCase struct {
	Name  string `json:"name"`
	NAME2 string `json:"Name"`
}

// fsTargets returns fresh, non-zero targets (so that a field left alone
// shows), two of each type: one for the fast path, one for encoding/json.
func fsTargets() [][2]any {
	return [][2]any{
		{&fsUser{"s0", "n0"}, &fsUser{"s0", "n0"}},
		{&fsMixed{ID: 9, Plain: "p", Skip: "k", hidden: "h"}, &fsMixed{ID: 9, Plain: "p", Skip: "k", hidden: "h"}},
		{&fsFlat{A: 1, B: "b", skip: 3}, &fsFlat{A: 1, B: "b", skip: 3}},
		{&fsCustom{"x"}, &fsCustom{"x"}},
		{&fsString{1}, &fsString{1}},
		{&fsEmbedded{Extra: "e"}, &fsEmbedded{Extra: "e"}},
		{&fsNumber{"1"}, &fsNumber{"1"}},
		{&fsCase{"a", "b"}, &fsCase{"a", "b"}},
		{&fsDash{"d"}, &fsDash{"d"}},
		{&struct{}{}, &struct{}{}},
	}
}

var fsSeeds = []string{
	`{"surname":"Lefèvre","name":"Amélie"}`, `{"name":"Amélie","surname":"Lefèvre"}`, `{"surname":"a"}`, `{}`, ` { } `,
	`{"surname":"a","surname":"b"}`, `{"Surname":"a"}`, `{"SURNAME":"a"}`, `{"ſurname":"a"}`, `{"surname":"a\"b"}`,
	`{"surname":"\u00e9"}`, "{\"surname\":\"\xff\"}", "{\"surname\":\"\xef\xbf\xbd\"}", `{"surname":"a",}`, `{"surname":"a"}x`,
	`{"surname":1}`, `{"surname":null}`, `{"other":"x"}`, `{"surname":"a","other":{"deep":[1,2]}}`, "{\"surname\":\"a\tb\"}",
	`{"id":42,"small":-128,"port":65535,"big":123456789012345678,"on":true,"Plain":"x"}`, `{"small":128}`, `{"port":-1}`,
	`{"port":65536}`, `{"id":1.0}`, `{"id":1e2}`, `{"id":-0}`, `{"id":007}`, `{"id":-}`, `{"id":"1"}`, `{"on":"true"}`,
	`{"on":truex}`, `{"on":false}`, `{"on":1}`, `{"big":18446744073709551615}`, `{"Skip":"s"}`, `{"-":"d"}`, `{"a-b":"d"}`, `{"hidden":"h"}`,
	`{"a":-9,"B":"x","c":true}`, `{"b":"x"}`, `{"skip":1}`, `{"t":"abc"}`, `{"n":"12"}`, `{"n":12}`, `{"n":"x"}`,
	`{"extra":"e","name":"n"}`, `{"name":"1","Name":"2"}`, "\n{\"a\" : 1 ,\r\"B\"\t:\"y\"}\n", `[]`, `"s"`, `null`, `{`, `{"a"`, ``,
}

// FuzzFastStruct holds fastStruct to encoding/json as the oracle: where
// the fast path answers, encoding/json succeeds and leaves the same
// value; where it declines, the target is untouched (Get then runs
// encoding/json on it).
func FuzzFastStruct(f *testing.F) {
	for _, s := range fsSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, js string) {
		before := fsTargets()
		for i, tg := range fsTargets() {
			fast, std, orig := tg[0], tg[1], before[i][0]
			errStd := json.Unmarshal([]byte(js), std)
			if fastUnmarshal([]byte(js), fast) {
				if errStd != nil {
					t.Fatalf("fast path accepted %q into %T; encoding/json: %v", js, fast, errStd)
				}
				assert.Equal(t, std, fast, "input %q", js)
			} else {
				assert.Equal(t, orig, fast, "declined %q but changed the %T", js, fast)
			}
		}
	})
}

// TestFastStructTakesTheCommonCases: the values a site stores (and the
// harness's user) take the fast path; what encoding/json treats
// specially does not.
func TestFastStructTakesTheCommonCases(t *testing.T) {
	var u fsUser
	assert.True(t, fastUnmarshal([]byte(`{"surname":"Lefèvre","name":"Amélie"}`), &u))
	assert.Equal(t, fsUser{"Lefèvre", "Amélie"}, u)
	var m fsMixed
	assert.True(t, fastUnmarshal([]byte(`{"id":-3,"port":443,"on":true,"Plain":"p"}`), &m))
	assert.Equal(t, fsMixed{ID: -3, Port: 443, On: true, Plain: "p"}, m)
	for _, c := range []struct {
		js string
		v  any
	}{
		{`{"Surname":"a"}`, &fsUser{}},         // case-insensitive match
		{`{"other":"a"}`, &fsUser{}},           // unknown name
		{`{"surname":"a\u0041"}`, &fsUser{}},   // escape
		{`{"t":"a"}`, &fsCustom{}},             // UnmarshalText
		{`{"n":"1"}`, &fsString{}},             // ,string
		{`{"extra":"a"}`, &fsEmbedded{}},       // embedded struct
		{`{"n":"1"}`, &fsNumber{}},             // json.Number
		{`{"name":"a"}`, &fsCase{}},            // names differing by case
		{`{"surname":"a"}`, (*fsUser)(nil)},    // nil pointer
		{`{"surname":"a"}`, fsUser{}},          // not a pointer
		{`{"surname":"a"}`, &map[string]any{}}, // not a struct
	} {
		assert.False(t, fastUnmarshal([]byte(c.js), c.v), "%s into %T", c.js, c.v)
	}
}

// BenchmarkFastStruct compares the harness's user read through the fast
// path with encoding/json.
func BenchmarkFastStruct(b *testing.B) {
	js := []byte(`{"surname":"Lefèvre","name":"Amélie"}`)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var u fsUser
			if !fastUnmarshal(js, &u) {
				b.Fatal("declined")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var u fsUser
			if err := json.Unmarshal(js, &u); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// encoderJSON is marshal's encoder path, the oracle of fastMarshal.
func encoderJSON(t *testing.T, v any) []byte {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return []byte(strings.TrimSuffix(b.String(), "\n"))
}

// FuzzFastMarshal: where fastMarshal answers, it gives the encoder's
// bytes; and it answers for printable ASCII strings, ints and bools.
func FuzzFastMarshal(f *testing.F) {
	for _, s := range []string{"", "fr", "a b", `a"b`, `a\b`, "<&>", "é", "\x7f", "\t", "\u2028"} {
		f.Add(s, int64(len(s))-3, len(s)%2 == 0)
	}
	f.Add("x", int64(math.MinInt64), true)
	f.Fuzz(func(t *testing.T, s string, n int64, b bool) {
		for _, v := range []any{s, int(n), b, int64(n), []string{s}} {
			js, ok := fastMarshal(v)
			if !ok {
				continue
			}
			if want := encoderJSON(t, v); string(js) != string(want) {
				t.Fatalf("fastMarshal(%#v) = %s, encoder %s", v, js, want)
			}
		}
		if _, ok := fastMarshal(int(n)); !ok {
			t.Fatalf("int %d declined", n)
		}
	})
}

// TestPctString: pctString is appendPct as a string.
func TestPctString(t *testing.T) {
	for _, s := range []string{"", `"en"`, `{"a":"é; b,c"}`, "\x00\xff%"} {
		assert.Equal(t, string(appendPct(nil, []byte(s))), pctString([]byte(s)), s)
	}
}
