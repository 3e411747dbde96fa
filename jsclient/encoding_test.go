package jsclient_test

import (
	"net/http/httptest"
	"testing"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/jsclient"
)

// acceptEncodingTests lists Accept-Encoding field values and whether the
// module comes back gzipped (RFC 9110 §12.5.3).
var acceptEncodingTests = []struct {
	values []string // nil: no field
	gzip   bool
}{
	{nil, false},
	{[]string{""}, false},
	{[]string{"gzip"}, true},
	{[]string{"GZip"}, true},
	{[]string{"x-gzip"}, true},
	{[]string{"gzip, deflate, br, zstd"}, true},
	{[]string{"br"}, false},
	{[]string{"deflate, br;q=1.0"}, false},
	{[]string{"identity"}, false},
	{[]string{"*"}, true},
	{[]string{"*;q=0"}, false},
	{[]string{"gzip;q=0"}, false},
	{[]string{"gzip;q=0.000"}, false},
	{[]string{"gzip;q=0, *"}, false}, // an explicit gzip beats the wildcard
	{[]string{"gzip;q=0.001"}, true},
	{[]string{"gzip;q=0.5"}, true},
	{[]string{"gzip; q=1"}, true},
	{[]string{"gzip ;Q=1.000"}, true},
	{[]string{"gzip;q=0.4, identity;q=0.5"}, false},
	{[]string{"gzip;q=0.5, identity;q=0.5"}, true},
	{[]string{"gzip;q=0.6, identity;q=0.5"}, true},
	{[]string{"identity;q=0, gzip;q=0"}, false}, // nothing acceptable: identity anyway
	{[]string{"br", "gzip"}, true},              // several field lines
	{[]string{"gzip;q=0", "gzip;q=1"}, true},    // the highest weight counts
	{[]string{"gzip;q=1.5"}, false},             // malformed weights: the element is ignored
	{[]string{"gzip;q=2"}, false},
	{[]string{"gzip;q=-1"}, false},
	{[]string{"gzip;q=0.5555"}, false},
	{[]string{"gzip;q="}, false},
	{[]string{"gzip;q=abc"}, false},
	{[]string{"gzip;q=1.5, *"}, true},
	{[]string{"gzipx"}, false},
	{[]string{"gzip;level=9"}, true}, // unknown parameters are ignored
	{[]string{",,, ,gzip,,"}, true},
}

func TestAcceptEncoding(t *testing.T) {
	js := jsclient.New(newManager(t, clientsession.Options{}), jsclient.Options{})
	for _, c := range acceptEncodingTests {
		req := httptest.NewRequest("GET", js.URL(), nil)
		for _, v := range c.values {
			req.Header.Add("Accept-Encoding", v)
		}
		rec := httptest.NewRecorder()
		js.ServeHTTP(rec, req)
		got := rec.Header().Get("Content-Encoding") == "gzip"
		if rec.Code != 200 || got != c.gzip || rec.Header().Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: %d, gzip %v, Vary %q; want gzip %v", c.values, rec.Code, got, rec.Header().Get("Vary"), c.gzip)
		}
	}
}

func FuzzAcceptEncoding(f *testing.F) {
	for _, c := range acceptEncodingTests {
		if len(c.values) == 1 {
			f.Add(c.values[0])
		}
	}
	js := jsclient.New(newManager(f, clientsession.Options{}), jsclient.Options{})
	f.Fuzz(func(t *testing.T, ae string) {
		req := httptest.NewRequest("GET", js.URL(), nil)
		req.Header.Set("Accept-Encoding", ae)
		rec := httptest.NewRecorder()
		js.ServeHTTP(rec, req)
		if ce := rec.Header().Get("Content-Encoding"); rec.Code != 200 || (ce != "" && ce != "gzip") {
			t.Fatalf("Accept-Encoding %q: %d, Content-Encoding %q", ae, rec.Code, ce)
		}
	})
}
