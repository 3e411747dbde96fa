package clientsession

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Seeds shared by the decoders: the Safari case that broke the 2009
// middleware (spaces and commas), quoting, escapes and raw JSON.
var fuzzSeeds = []string{
	`{%22name%22:%22Ann%20Lee%2C%20Jr%22}`,
	`{"name":"Ann Lee, Jr"}`,
	`"%7B%22a%22:1%7D"`,
	`%7b%22a%22:%22%c3%a9%22%7d`,
	`%22a+b%22`, `%G1`, `%2`, `%FF`, `""`, `"`, ``,
	`s1.1768435200.o9lXJiTJgp3YVI0RVyok2EtZBpC6byuekd1KEjZLp2Y.{%22surname%22:%22Lee%22}`,
	`AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
}

func FuzzDecodePublic(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		_, js, err := decodePublic(nil, v)
		if err != nil {
			return
		}
		if !utf8.Valid(js) {
			t.Fatalf("accepted invalid UTF-8 from %q", v)
		}
		// What we accept, we write back in a form we read identically.
		enc := appendPublic(nil, js)
		for _, b := range enc {
			if !cookieOctet[b] {
				t.Fatalf("encoding of %q has non-cookie-octet %q", js, b)
			}
		}
		_, back, err := decodePublic(nil, string(enc))
		if err != nil || string(back) != string(js) {
			t.Fatalf("round trip of %q: %q, %v", js, back, err)
		}
	})
}

// FuzzOpenSigned checks that each Signed value has exactly one accepted
// spelling: whatever the fuzzer makes of the seeds, a value that verifies
// is byte for byte one that a key holder wrote, for the name it wrote.
func FuzzOpenSigned(f *testing.F) {
	ks := vectorKeys(f)
	written := map[string]string{} // value -> cookie name
	for _, js := range []string{`{"a":"b, c"}`, `"Zoë 50%"`, `7`} {
		for _, sid := range []sessionID{{}, {1, 2, 3}} {
			v := string(appendSigned(nil, ks[0], "session.user", meta{exp: vectorExpiry, issued: 1767225600123, seen: 1767225600123, sid: sid}, []byte(js)))
			written[v] = "session.user"
		}
	}
	for _, c := range readVectors(f, vectorsFileV1).Cases {
		if c.Protection == "signed" && c.Expect == "ok" {
			written[c.Value] = c.Cookie
		}
	}
	for _, s := range fuzzSeeds {
		f.Add("session.user", s)
	}
	for v, name := range written {
		f.Add(name, v)
	}
	f.Fuzz(func(t *testing.T, name, v string) {
		_, js, _, _, err := openSigned(nil, ks, name, v, vectorNow)
		if err != nil {
			if js != nil {
				t.Fatal("JSON returned with an error")
			}
			return
		}
		if written[v] != name {
			t.Fatalf("a second spelling verified: %q for %q", v, name)
		}
	})
}

// FuzzOpenPrivate checks the same for Private values, and that nothing
// expired or empty opens.
func FuzzOpenPrivate(f *testing.F) {
	ks := vectorKeys(f)
	ks[0].nonces = &countingNonces{} // the same seals in every fuzz worker
	written := map[string]string{}
	for _, js := range []string{`7`, `"u-42"`, `[1,2,3]`} {
		v := string(appendPrivate(nil, ks[0], "session._id", meta{exp: vectorExpiry, issued: 1, seen: 1}, []byte(js)))
		written[v] = "session._id"
	}
	for _, c := range readVectors(f, vectorsFileV1).Cases {
		if c.Protection == "private" && c.Expect == "ok" {
			written[c.Value] = c.Cookie
		}
	}
	for _, s := range fuzzSeeds {
		f.Add("session._id", s)
	}
	for v, name := range written {
		f.Add(name, v)
	}
	f.Fuzz(func(t *testing.T, name, v string) {
		_, js, m, _, err := openPrivate(nil, ks, name, v, vectorNow)
		if err != nil {
			return
		}
		if m.exp <= vectorNow || len(js) == 0 {
			t.Fatalf("opened an expired or empty value: exp %d", m.exp)
		}
		if written[v] != name {
			t.Fatalf("a second spelling opened: %q for %q", v, name)
		}
	})
}

func FuzzScanCookies(f *testing.F) {
	f.Add("session.a=1; session.b=%7B%22x%22:1%7D; other=2")
	f.Add(`session.user={"name":"Ann Lee, Jr"}; session.a="quoted"`)
	f.Add(";;; session.=; =x; session.a; \tsession.b = 2 ")
	f.Fuzz(func(t *testing.T, header string) {
		scanCookies([]string{header}, "session.", maxCookies, func(_, key, value string) {
			if strings.ContainsRune(key+value, ';') {
				t.Fatalf("pair not split at ';': %q=%q", key, value)
			}
			if key == "" {
				t.Fatal("empty key reported")
			}
		})
	})
}
