package redisproc_test

import (
	"bufio"
	"errors"
	"net"
	"os"
	"strings"
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

// do sends one inline command and returns the first reply line.
func do(t *testing.T, addr, cmd string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return strings.TrimSpace(line)
}

func TestStopRestartSamePort(t *testing.T) {
	s := start(t)
	defer s.Close()
	addr := s.Addr()
	if got := do(t, addr, "SET kept 1"); got != "+OK" {
		t.Fatalf("SET = %q", got)
	}
	if got := do(t, addr, "SAVE"); got != "+OK" {
		t.Fatalf("SAVE = %q", got)
	}
	if got := do(t, addr, "SET lost 1"); got != "+OK" {
		t.Fatalf("SET = %q", got)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatal("stopped server still accepts connections")
	}
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if s.Addr() != addr {
		t.Fatalf("Addr after Restart = %q, want %q", s.Addr(), addr)
	}
	if got := do(t, addr, "EXISTS kept"); got != ":1" {
		t.Errorf("saved key after Restart: EXISTS = %q, want :1", got)
	}
	if got := do(t, addr, "EXISTS lost"); got != ":0" {
		t.Errorf("unsaved key after Restart: EXISTS = %q, want :0", got)
	}
	if err := s.Restart(); err == nil {
		t.Error("Restart of a running server succeeded")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Restart(); err == nil {
		t.Error("Restart after Close succeeded")
	}
}
