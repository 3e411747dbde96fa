package cookieval_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/fullsession/fullsession/bench/internal/cookieval"
)

var publicTests = []struct{ json, wire string }{
	{`[1,2,3]`, `[1%2C2%2C3]`},
	{`"fr"`, `%22fr%22`},
	{`{"name":"Chloé Dubois"}`, `{%22name%22:%22Chlo%C3%A9%20Dubois%22}`},
	{`"a+b;c\\d%"`, `%22a+b%3Bc%5C%5Cd%25%22`},
	{`[]`, `[]`},
}

func TestPublicRoundTrip(t *testing.T) {
	for _, tt := range publicTests {
		if got := cookieval.EncodePublic([]byte(tt.json)); got != tt.wire {
			t.Errorf("EncodePublic(%s) = %s, want %s", tt.json, got, tt.wire)
		}
		got, err := cookieval.DecodePublic(tt.wire)
		if err != nil || string(got) != tt.json {
			t.Errorf("DecodePublic(%s) = %s, %v; want %s", tt.wire, got, err, tt.json)
		}
	}
	if got, _ := cookieval.DecodePublic(`"%5b1%5d"`); string(got) != "[1]" {
		t.Errorf("quoted lower-case value decoded to %q", got)
	}
	for _, bad := range []string{"%", "%2", "%zz", "ab%4"} {
		if _, err := cookieval.DecodePublic(bad); !errors.Is(err, cookieval.ErrInvalid) {
			t.Errorf("DecodePublic(%q) err = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestSignedJSON(t *testing.T) {
	mac := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" // 43 characters
	v := "s1.1767225600." + mac + ".{%22name%22:%22Ann%22}"
	got, err := cookieval.SignedJSON(v)
	if err != nil || string(got) != `{"name":"Ann"}` {
		t.Fatalf("SignedJSON = %s, %v", got, err)
	}
	for _, bad := range []string{"", "s2.1." + mac + ".1", "s1.1.short.1", "s1." + mac, "%22fr%22"} {
		if _, err := cookieval.SignedJSON(bad); err == nil {
			t.Errorf("SignedJSON(%q) accepted", bad)
		}
	}
}

// TestVectors checks the encoder and the script-side readers against the
// project's shared test vectors (clientsession/testdata/vectors.json).
func TestVectors(t *testing.T) {
	raw, err := os.ReadFile("../../../clientsession/testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []struct {
			Name, Protection, Value, JSON, Expect string
			Encode                                bool
		}
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range file.Cases {
		if c.Expect != "ok" {
			continue
		}
		switch c.Protection {
		case "public":
			if c.Encode {
				if got := cookieval.EncodePublic([]byte(c.JSON)); got != c.Value {
					t.Errorf("%s: EncodePublic = %s, want %s", c.Name, got, c.Value)
				}
			}
			if got, err := cookieval.DecodePublic(c.Value); err != nil || string(got) != c.JSON {
				t.Errorf("%s: DecodePublic = %s, %v; want %s", c.Name, got, err, c.JSON)
			}
			n++
		case "signed":
			if got, err := cookieval.SignedJSON(c.Value); err != nil || string(got) != c.JSON {
				t.Errorf("%s: SignedJSON = %s, %v; want %s", c.Name, got, err, c.JSON)
			}
			n++
		}
	}
	if n < 5 {
		t.Fatalf("only %d usable vectors found", n)
	}
}
