package varnishtest

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

const shipped = `vcl 4.1;
backend default {
    .host = "127.0.0.1";
    .port = "8080";
}
`

const twoBackends = shipped + `backend other {
    .host = "192.0.2.1";
    .port = "80";
}
`

func TestSetBackend(t *testing.T) {
	got, err := SetBackend(twoBackends, "127.0.0.1:43210")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, `.host = "127.0.0.1";`) || !strings.Contains(got, `.port = "43210";`) {
		t.Errorf("first backend not rewritten:\n%s", got)
	}
	if strings.Contains(got, `"8080"`) {
		t.Errorf("old port still present:\n%s", got)
	}
	if !strings.Contains(got, `.host = "192.0.2.1";`) || !strings.Contains(got, `.port = "80";`) {
		t.Errorf("second backend changed:\n%s", got)
	}
}

func TestSetBackendErrors(t *testing.T) {
	for _, tc := range []struct{ vcl, backend string }{
		{shipped, "no-port"},
		{"vcl 4.1;", "127.0.0.1:1"},
		{`backend b { .host = "x"; }`, "127.0.0.1:1"},
	} {
		if _, err := SetBackend(tc.vcl, tc.backend); err == nil {
			t.Errorf("SetBackend(%q, %q): no error", tc.vcl, tc.backend)
		} else if !strings.HasPrefix(err.Error(), "varnishtest: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
}

// TestStart runs a real varnishd in front of a test origin and checks that
// a cacheable page is served from cache the second time.
func TestStart(t *testing.T) {
	var hits atomic.Int32
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Cache-Control", "public, max-age=60")
		io.WriteString(w, "hello")
	}))
	defer origin.Close()

	v := Start(t, Options{VCL: shipped, Backend: origin.Listener.Addr().String()})
	for i := 0; i < 2; i++ {
		resp, err := http.Get(v.URL + "/x")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "hello" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, body)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("origin saw %d requests, want 1 (second should be a cache hit)", n)
	}
	if out, err := v.Adm("status"); err != nil || !strings.Contains(out, "running") {
		t.Errorf("varnishadm status: %q, %v", out, err)
	}
}

// socketVCL answers every request with the listener's name and an
// environment variable, without a backend request.
const socketVCL = shipped + `import std;
sub vcl_recv { return (synth(200)); }
sub vcl_synth {
    set resp.http.socket = local.socket;
    set resp.http.env = std.getenv("VARNISHTEST_ENV");
    set resp.http.client = client.ip;
    set resp.http.vcl = "one";
    return (deliver);
}
`

// TestListenersEnvAndUseVCL checks the purge listener, an extra PROXY
// listener, Options.Env and a VCL switch at run time.
func TestListenersEnvAndUseVCL(t *testing.T) {
	v := Start(t, Options{VCL: socketVCL, Env: []string{"VARNISHTEST_ENV=yes"},
		Listeners: []Listener{{Name: "proxy", Proto: "PROXY"}}})
	get := func(url string) http.Header {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header
	}
	if h := get(v.URL); h.Get("socket") != "a0" || h.Get("env") != "yes" {
		t.Errorf("client listener: socket %q env %q", h.Get("socket"), h.Get("env"))
	}
	if h := get(v.PurgeURL); h.Get("socket") != "purge" || v.Listeners["purge"] == "" {
		t.Errorf("purge listener: socket %q, listeners %v", h.Get("socket"), v.Listeners)
	}
	// A PROXY v1 header names the client.
	c, err := net.Dial("tcp", v.Listeners["proxy"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("socket") != "proxy" || resp.Header.Get("client") != "203.0.113.7" {
		t.Errorf("proxy listener: socket %q client %q", resp.Header.Get("socket"), resp.Header.Get("client"))
	}
	if err := v.UseVCL("two", strings.Replace(socketVCL, `"one"`, `"two"`, 1), ""); err != nil {
		t.Fatal(err)
	}
	if h := get(v.URL); h.Get("vcl") != "two" {
		t.Errorf("after UseVCL: vcl %q", h.Get("vcl"))
	}
}
