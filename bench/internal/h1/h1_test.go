package h1

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// server is a test origin that counts the connections it accepted.
func server(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /len", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Cache", "HIT")
		io.WriteString(w, "hello "+r.Header.Get("Cookie"))
	})
	mux.HandleFunc("GET /chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := range 3 {
			io.WriteString(w, strings.Repeat(string(rune('a'+i)), 5000))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("GET /close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1", Path: "/"})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2", MaxAge: 60})
		w.Header().Set("Location", "/")
		w.WriteHeader(http.StatusSeeOther)
		io.WriteString(w, r.Header.Get("Content-Type")+" "+string(b))
	})
	mux.HandleFunc("GET /empty", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func addr(srv *httptest.Server) string { return strings.TrimPrefix(srv.URL, "http://") }

func TestDo(t *testing.T) {
	srv, conns := server(t)
	c := &Conn{Addr: addr(srv), Timeout: 5 * time.Second}
	defer c.Close()
	var resp Response

	for i := range 3 {
		if err := c.Do("GET", "/len", []Field{{"Cookie", "x=1; y=2"}}, "", &resp); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || string(resp.Body) != "hello x=1; y=2" || resp.Header("x-cache") != "HIT" {
			t.Fatalf("request %d: %d %q X-Cache %q", i, resp.StatusCode, resp.Body, resp.Header("X-Cache"))
		}
	}
	if err := c.Do("GET", "/chunked", nil, "", &resp); err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat("a", 5000) + strings.Repeat("b", 5000) + strings.Repeat("c", 5000)
	if string(resp.Body) != want || resp.Header("Transfer-Encoding") != "chunked" {
		t.Fatalf("chunked: %d bytes, Transfer-Encoding %q", len(resp.Body), resp.Header("Transfer-Encoding"))
	}
	form := "user=ann&password=demo"
	err := c.Do("POST", "/login", []Field{{"Content-Type", "application/x-www-form-urlencoded"}}, form, &resp)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 303 || string(resp.Body) != "application/x-www-form-urlencoded "+form {
		t.Fatalf("POST: %d %q", resp.StatusCode, resp.Body)
	}
	if got := resp.Values("Set-Cookie"); !slices.Equal(got, []string{"a=1; Path=/", "b=2; Max-Age=60"}) {
		t.Fatalf("Set-Cookie %q", got)
	}
	if resp.Values("X-None") != nil || resp.Header("X-None") != "" {
		t.Fatal("absent header found")
	}
	if err := c.Do("GET", "/empty", nil, "", &resp); err != nil || resp.StatusCode != 204 || len(resp.Body) != 0 {
		t.Fatalf("204: %v %d %q", err, resp.StatusCode, resp.Body)
	}
	if err := c.Do("HEAD", "/len", nil, "", &resp); err != nil || resp.StatusCode != 200 || len(resp.Body) != 0 {
		t.Fatalf("HEAD: %v %d %q", err, resp.StatusCode, resp.Body)
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for keep-alive requests, want 1", n)
	}

	// The server asks to close: the next request dials again.
	for range 2 {
		if err := c.Do("GET", "/close", nil, "", &resp); err != nil || string(resp.Body) != "bye" {
			t.Fatalf("close: %v %q", err, resp.Body)
		}
	}
	if err := c.Do("GET", "/len", nil, "", &resp); err != nil {
		t.Fatal(err)
	}
	// The first /close came on the kept connection, the second and the
	// last GET each on a new one.
	if n := conns.Load(); n != 3 {
		t.Fatalf("%d connections after two Connection: close responses, want 3", n)
	}
}

// TestRetry: a GET on a connection the server closed while idle is retried
// once on a new connection; a POST is not (it might have been processed).
func TestRetry(t *testing.T) {
	srv, conns := server(t)
	c := &Conn{Addr: addr(srv), Timeout: 5 * time.Second}
	defer c.Close()
	var resp Response
	if err := c.Do("GET", "/len", nil, "", &resp); err != nil {
		t.Fatal(err)
	}
	srv.CloseClientConnections()
	if err := c.Do("GET", "/len", nil, "", &resp); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET after idle close: %v", err)
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
	srv.CloseClientConnections()
	if err := c.Do("POST", "/login", nil, "x=1", &resp); err == nil {
		t.Fatal("POST on a closed connection was retried")
	}
	// The failed connection is dropped; the next request works.
	if err := c.Do("POST", "/login", nil, "x=1", &resp); err != nil || resp.StatusCode != 303 {
		t.Fatalf("POST on a new connection: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	c := &Conn{Addr: "127.0.0.1:1"}
	var resp Response
	for _, tc := range []struct {
		method, path string
		h            []Field
	}{
		{"GET", "/a b", nil},
		{"GET", "", nil},
		{"G ET", "/", nil},
		{"GET", "/", []Field{{"X", "a\r\nInjected: 1"}}},
		{"GET", "/", []Field{{"X:Y", "1"}}},
	} {
		if err := c.Do(tc.method, tc.path, tc.h, "", &resp); err != errBadInput {
			t.Errorf("%q %q %q: err %v, want errBadInput", tc.method, tc.path, tc.h, err)
		}
	}
}

var readTests = []struct {
	name, in, method string
	code             int
	body             string
	keep             bool
	err              bool
}{
	{name: "length", in: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcXX", code: 200, body: "abc", keep: true},
	{name: "no reason", in: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", code: 200, keep: true},
	{name: "bare LF", in: "HTTP/1.1 200 OK\nContent-Length: 2\n\nab", code: 200, body: "ab", keep: true},
	{name: "http/1.0", in: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nab", code: 200, body: "ab"},
	{name: "1.0 keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nab", code: 200, body: "ab", keep: true},
	{name: "close", in: "HTTP/1.1 200 OK\r\nConnection: foo, close\r\nContent-Length: 2\r\n\r\nab", code: 200, body: "ab"},
	{name: "eof body", in: "HTTP/1.1 200 OK\r\n\r\nto the end", code: 200, body: "to the end"},
	{name: "chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n3;ext=1\r\nabc\r\n0A\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n", code: 200, body: "abc0123456789", keep: true},
	{name: "interim", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx", code: 201, body: "x", keep: true},
	{name: "head", in: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", method: "HEAD", code: 200, keep: true},
	{name: "304", in: "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", code: 304, keep: true},
	{name: "same lengths", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", code: 200, body: "x", keep: true},
	{name: "two lengths", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx", err: true},
	{name: "negative length", in: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", err: true},
	{name: "short body", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", err: true},
	{name: "gzip coding", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", err: true},
	{name: "bad chunk size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", err: true},
	{name: "chunk without CRLF", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n", err: true},
	{name: "not http", in: "SSH-2.0-OpenSSH\r\n\r\n", err: true},
	{name: "bad code", in: "HTTP/1.1 2x0 OK\r\n\r\n", err: true},
	{name: "code too long", in: "HTTP/1.1 2000 OK\r\n\r\n", err: true},
	{name: "header without colon", in: "HTTP/1.1 200 OK\r\nnonsense\r\n\r\n", err: true},
	{name: "empty", in: "", err: true},
	{name: "truncated head", in: "HTTP/1.1 200 OK\r\nContent-Le", err: true},
	{name: "huge header", in: "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-A: "+strings.Repeat("a", 1000)+"\r\n", 70) + "\r\n", err: true},
	{name: "huge line", in: "HTTP/1.1 200 OK\r\nX-A: " + strings.Repeat("a", readBufSize) + "\r\n\r\n", err: true},
}

func TestReadResponse(t *testing.T) {
	for _, tc := range readTests {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = "GET"
			}
			var resp Response
			br := bufio.NewReaderSize(strings.NewReader(tc.in), readBufSize)
			keep, err := readResponse(br, method, &resp)
			if tc.err {
				if err == nil {
					t.Fatalf("no error; code %d body %q", resp.StatusCode, resp.Body)
				}
				return
			}
			if err != nil || resp.StatusCode != tc.code || string(resp.Body) != tc.body || keep != tc.keep {
				t.Fatalf("got %v %d %q keep=%v; want %d %q keep=%v", err, resp.StatusCode, resp.Body, keep, tc.code, tc.body, tc.keep)
			}
		})
	}
}

func FuzzReadResponse(f *testing.F) {
	for _, tc := range readTests {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var resp Response
		br := bufio.NewReaderSize(strings.NewReader(in), readBufSize)
		if _, err := readResponse(br, "GET", &resp); err == nil {
			if resp.StatusCode < 100 || resp.StatusCode > 999 || len(resp.Body) > len(in) {
				t.Fatalf("accepted code %d with %d body bytes from %d input bytes", resp.StatusCode, len(resp.Body), len(in))
			}
		}
		resp.Header("Content-Length")
		resp.Values("Set-Cookie")
	})
}

func BenchmarkDo(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Cache", "HIT")
		w.Write(make([]byte, 2700))
	}))
	defer srv.Close()
	c := &Conn{Addr: addr(srv), Timeout: 5 * time.Second}
	defer c.Close()
	h := []Field{{"Cookie", "session.selection=[42]"}, {"X-Forwarded-For", "127.1.0.1"}}
	var resp Response
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Do("GET", "/properties/7", h, "", &resp); err != nil {
			b.Fatal(err)
		}
		if resp.Header("X-Cache") != "HIT" {
			b.Fatal("no X-Cache")
		}
	}
}
