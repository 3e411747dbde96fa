package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fullsession/fullsession/internal/testkit/syncbuf"
)

// TestRunServesAndShutsDown runs the command as `go run` would, on a fresh
// database, and stops it the way SIGTERM does (by cancelling its context).
func TestRunServesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncbuf.Buffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	db := filepath.Join(t.TempDir(), "century.db")
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-db", db, "-count", "300", "-update-rate", "50"},
			env(), &logs, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("not ready\n%s", logs.String())
	}
	assert.Contains(t, logs.String(), "no session keys configured", "the dev-key warning")
	assert.Contains(t, logs.String(), "level=WARN")
	assert.Contains(t, logs.String(), "generating properties")
	assert.Contains(t, logs.String(), "\nopen http://"+addr+"\n", "the line to open")

	resp, err := http.Get("http://" + addr + "/healthz")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "ok\n", string(body))

	resp, err = http.Get("http://" + addr + "/properties/1")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	assert.Contains(t, logs.String(), "stopped")
	assert.True(t, strings.Contains(logs.String(), "request") && strings.Contains(logs.String(), "path=/healthz"), "access log")
}

func TestRunBadConfig(t *testing.T) {
	err := run(context.Background(), []string{"-count", "-5"}, env(), io.Discard, nil)
	assert.Error(t, err)
	err = run(context.Background(), []string{"-addr", "127.0.0.1:99999", "-db", filepath.Join(t.TempDir(), "x.db"), "-count", "10"}, env(), io.Discard, nil)
	assert.Error(t, err)
}

func TestBrowseURL(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		"0.0.0.0:8080":   "http://127.0.0.1:8080",
		"[::]:8080":      "http://127.0.0.1:8080",
		"[::1]:9000":     "http://[::1]:9000",
		"192.0.2.7:80":   "http://192.0.2.7:80",
	} {
		addr, err := net.ResolveTCPAddr("tcp", in)
		require.NoError(t, err)
		assert.Equal(t, want, browseURL(addr), in)
	}
}
