// Package redisproc starts a throw-away redis-server for the benchmarks and
// their tests: loopback only, a free port, no persistence, stopped by Close.
//
// It needs the redis-server binary (Debian package redis-server). [Start]
// returns [ErrNotInstalled] when it is missing, so tests can skip outside CI
// and fail inside it.
package redisproc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// ErrNotInstalled reports that no redis-server binary is on PATH.
var ErrNotInstalled = errors.New("redisproc: redis-server not found on PATH (apt-get install redis-server)")

// Server is a running redis-server.
type Server struct {
	addr   string
	cmd    *exec.Cmd
	out    *bytes.Buffer
	exited <-chan struct{} // closed when the process has exited
	once   sync.Once
	err    error
}

// Start starts redis-server on 127.0.0.1 at a free port with dir as its
// working directory (nothing is written there: snapshots and the append-only
// file are off). It returns once the server answers PING, or an error after
// 10 s. The caller must Close the server.
func Start(dir string) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	var lastErr error
	for range 3 { // the free port can be taken between probe and start
		s, err := start(bin, dir)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func start(bin, dir string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin,
		"--bind", "127.0.0.1", "--port", strconv.Itoa(port),
		"--save", "", "--appendonly", "no", "--dir", dir,
		"--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning")
	out := new(bytes.Buffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("redisproc: start redis-server: %w", err)
	}
	s := &Server{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, out: out}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return nil, fmt.Errorf("redisproc: redis-server exited: %s", out.String())
		default:
		}
		if ping(s.addr) == nil {
			s.exited = exited
			return s, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	<-exited
	return nil, fmt.Errorf("redisproc: redis-server did not answer PING within 10s: %s", out.String())
}

// Addr returns the server's "127.0.0.1:port".
func (s *Server) Addr() string { return s.addr }

// Close stops the server and waits for it to exit. It is safe to call more
// than once.
func (s *Server) Close() error {
	s.once.Do(func() {
		if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
			s.err = err
		}
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			s.cmd.Process.Kill()
			<-s.exited
		}
	})
	return s.err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("redisproc: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ping sends one inline PING and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("redisproc: unexpected PING reply %q", line)
	}
	return nil
}
