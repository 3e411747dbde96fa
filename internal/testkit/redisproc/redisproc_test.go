package redisproc_test

import (
	"errors"
	"net"
	"os"
	"testing"

	"github.com/fullsession/fullsession/internal/testkit/redisproc"
)

func start(t *testing.T) *redisproc.Server {
	t.Helper()
	s, err := redisproc.Start(t.TempDir())
	if errors.Is(err, redisproc.ErrNotInstalled) {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStartClose(t *testing.T) {
	s := start(t)
	host, _, err := net.SplitHostPort(s.Addr())
	if err != nil || host != "127.0.0.1" {
		t.Fatalf("Addr() = %q, want 127.0.0.1:port", s.Addr())
	}
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatalf("dial running server: %v", err)
	}
	c.Close()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if c, err := net.Dial("tcp", s.Addr()); err == nil {
		c.Close()
		t.Fatal("server still accepts connections after Close")
	}
}
