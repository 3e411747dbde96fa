package main

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/fullsession/fullsession/bench/internal/app"
	"github.com/fullsession/fullsession/bench/internal/harness"
	"github.com/fullsession/fullsession/bench/internal/jar"
	"github.com/fullsession/fullsession/bench/internal/load"
)

// TestRequestFunc runs the load's requests against an in-process app: reads
// must greet each worker's own user, writes must succeed, and a read with
// another worker's cookies must be caught.
func TestRequestFunc(t *testing.T) {
	st := harness.NewGorilla()
	srv := httptest.NewServer(app.New(st))
	defer srv.Close()
	client := load.NewClient(2)
	ctx := context.Background()
	jars := make([]jar.Jar, 2)
	for w := range jars {
		if err := send(ctx, client, &jars[w], "GET", srv.URL+"/login?uid="+[]string{"1000", "1001"}[w], 204, nil); err != nil {
			t.Fatal(err)
		}
	}
	read := requestFunc(client, srv.URL, "read", jars, false)
	write := requestFunc(client, srv.URL, "write", jars, false)
	for range 3 {
		for w := range jars {
			if err := read(ctx, w); err != nil {
				t.Fatalf("read as worker %d: %v", w, err)
			}
			if err := write(ctx, w); err != nil {
				t.Fatalf("write as worker %d: %v", w, err)
			}
		}
	}
	jars[0], jars[1] = jars[1], jars[0] // worker 0 now holds user 1001's session
	if err := read(ctx, 0); err != errBody {
		t.Fatalf("read with another user's cookies: err = %v, want errBody", err)
	}
}

// TestNone runs the load's requests against the app without sessions: it
// greets the anonymous user, and the check expecting a worker's own user
// catches that.
func TestNone(t *testing.T) {
	srv := httptest.NewServer(app.New(harness.None{}))
	defer srv.Close()
	client := load.NewClient(1)
	ctx := context.Background()
	jars := make([]jar.Jar, 1)
	if err := send(ctx, client, &jars[0], "GET", srv.URL+"/login?uid=1000", 204, nil); err != nil {
		t.Fatal(err)
	}
	if err := requestFunc(client, srv.URL, "read", jars, true)(ctx, 0); err != nil {
		t.Fatalf("read: %v", err)
	}
	if err := requestFunc(client, srv.URL, "write", jars, true)(ctx, 0); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := requestFunc(client, srv.URL, "read", jars, false)(ctx, 0); err != errBody {
		t.Fatalf("read expecting user 1000: err = %v, want errBody", err)
	}
}
