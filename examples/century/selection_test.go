package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

var parseSelectionTests = []struct {
	in      string
	want    []int64
	ignored int
}{
	{`[]`, nil, 0},
	{`[1,2,3]`, []int64{1, 2, 3}, 0},
	{`[3,1,3]`, []int64{3, 1}, 1},
	{`[1,"2",-3,0,1.5,1e2,null,true,{},[],99999999999999999999]`, []int64{1}, 10},
	{`{"a":1}`, nil, 1},
	{`"1,2"`, nil, 1},
	{`null`, nil, 0},
	{`[ 7 , 8 ]`, []int64{7, 8}, 0},
}

func TestParseSelection(t *testing.T) {
	for _, tt := range parseSelectionTests {
		ids, ignored := parseSelection([]byte(tt.in))
		assert.Equal(t, tt.want, ids, tt.in)
		assert.Equal(t, tt.ignored, ignored, tt.in)
	}
	// Capped: entries past maxSelection are ignored.
	var b strings.Builder
	b.WriteString("[")
	for i := 1; i <= 250; i++ {
		if i > 1 {
			b.WriteString(",")
		}
		b.WriteString(strconv.Itoa(i))
	}
	b.WriteString("]")
	ids, ignored := parseSelection([]byte(b.String()))
	assert.Len(t, ids, maxSelection)
	assert.Equal(t, 150, ignored)
}

func TestToggleSelection(t *testing.T) {
	ids, ok := toggleSelection(nil, 5)
	assert.True(t, ok)
	assert.Equal(t, []int64{5}, ids)
	ids, _ = toggleSelection([]int64{1, 5, 9}, 5)
	assert.Equal(t, []int64{1, 9}, ids)
	orig := []int64{1, 5, 9}
	toggleSelection(orig, 1)
	assert.Equal(t, []int64{1, 5, 9}, orig, "the input is not modified")

	full := make([]int64, maxSelection)
	for i := range full {
		full[i] = int64(i + 1)
	}
	_, ok = toggleSelection(full, 1000)
	assert.False(t, ok)
	ids, ok = toggleSelection(full, 1)
	assert.True(t, ok, "removing from a full selection works")
	assert.Len(t, ids, maxSelection-1)
}

// FuzzParseSelection checks that any cookie value gives a valid selection:
// at most maxSelection distinct positive ids, and never a panic.
func FuzzParseSelection(f *testing.F) {
	for _, tt := range parseSelectionTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ids, ignored := parseSelection([]byte(in))
		if len(ids) > maxSelection || ignored < 0 {
			t.Fatalf("%q: %d ids, %d ignored", in, len(ids), ignored)
		}
		seen := map[int64]bool{}
		for _, id := range ids {
			if id <= 0 || seen[id] {
				t.Fatalf("%q: bad or duplicate id %d", in, id)
			}
			seen[id] = true
		}
		if len(ids) > 0 {
			if _, err := json.Marshal(ids); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "/def",
		"/":                     "/",
		"/properties/42":        "/properties/42",
		"/?city=Paris&page=2":   "/?city=Paris&page=2",
		"//evil.example/":       "/def",
		"/\\evil.example":       "/def",
		"https://evil.example/": "/def",
		"javascript:alert(1)":   "/def",
		"properties/1":          "/def",
		"/x\r\nSet-Cookie: a=b": "/def",
		"/%2F%2Fevil.example":   "/%2F%2Fevil.example",
		"/\tevil":               "/def",
		"/selection#frag":       "/selection",
	} {
		assert.Equal(t, want, localPath(in, "/def"), "%q", in)
	}
}
