package pgproc_test

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/fullsession/fullsession/internal/testkit/pgproc"
)

func start(t *testing.T) *pgproc.Server {
	t.Helper()
	s, err := pgproc.New()
	if errors.Is(err, pgproc.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dial(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	return err
}

func TestStartStopRestart(t *testing.T) {
	s := start(t)
	if err := dial(s.Addr()); err != nil {
		t.Fatalf("not listening: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if dial(s.Addr()) == nil {
		t.Fatal("still listening after Stop")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := dial(s.Addr()); err != nil {
		t.Fatalf("not listening after restart: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if dial(s.Addr()) == nil {
		t.Fatal("still listening after Close")
	}
}
