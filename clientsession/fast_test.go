package clientsession

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The fast path must agree with encoding/json wherever it answers.
func FuzzFastUnmarshal(f *testing.F) {
	for _, s := range []string{`"fr"`, `"a b, c"`, `"é"`, `"a\"b"`, `""`, `"`, `42`, `-7`, `-0`, `007`, `1e3`, `1.0`,
		`123456789012345678`, `1234567890123456789`, `4294967297`, `2147483648`, `-2147483649`, `2147483647`, `-2147483648`, `true`, `false`, `null`, `tru`, `"\u0041"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, js string) {
		var fs, ss string
		var fi, si int
		var fb, sb bool
		for _, c := range []struct{ fast, std any }{{&fs, &ss}, {&fi, &si}, {&fb, &sb}} {
			if fastUnmarshal([]byte(js), c.fast) {
				if err := json.Unmarshal([]byte(js), c.std); err != nil {
					t.Fatalf("fast path accepted %q, encoding/json: %v", js, err)
				}
				assert.Equal(t, c.std, c.fast, "input %q", js)
			}
		}
	})
}

func TestFastUnmarshalTakesTheCommonCases(t *testing.T) {
	var s string
	var n int
	var b bool
	assert.True(t, fastUnmarshal([]byte(`"fr"`), &s))
	assert.Equal(t, "fr", s)
	assert.True(t, fastUnmarshal([]byte(`-42`), &n))
	assert.Equal(t, -42, n)
	assert.True(t, fastUnmarshal([]byte(`true`), &b))
	assert.True(t, b)
	assert.False(t, fastUnmarshal([]byte(`"\u00e9"`), &s), "escapes go to encoding/json")
	assert.False(t, fastUnmarshal([]byte(`1.5`), &n))
	assert.False(t, fastUnmarshal([]byte(`{}`), &map[string]any{}))
}

// TestFastIntUsesTheTargetBitSize: under GOARCH=386 these wrapped around
// (4294967297 read as 1) where json.Unmarshal refuses them (issue 18
// item 8). go_test.sh runs the package under GOARCH=386.
func TestFastIntUsesTheTargetBitSize(t *testing.T) {
	for _, js := range []string{`4294967297`, `2147483648`, `-2147483649`, `9223372036854775807`, `123456789012345678`} {
		var want, got int
		wantErr := json.Unmarshal([]byte(js), &want)
		ok := fastUnmarshal([]byte(js), &got)
		if wantErr != nil {
			assert.False(t, ok, "%s does not fit a %d-bit int", js, strconv.IntSize)
			continue
		}
		if ok {
			assert.Equal(t, want, got, js)
		}
	}
	var n int
	if strconv.IntSize == 32 {
		assert.False(t, fastUnmarshal([]byte(`4294967297`), &n))
		assert.True(t, fastUnmarshal([]byte(`2147483647`), &n))
		assert.Equal(t, math.MaxInt32, n)
	} else {
		assert.True(t, fastUnmarshal([]byte(`4294967297`), &n))
		assert.Equal(t, int64(4294967297), int64(n))
	}
}
