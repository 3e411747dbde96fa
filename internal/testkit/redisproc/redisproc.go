// Package redisproc starts a throw-away redis-server for the benchmarks and
// their tests: loopback only, a free port, no persistence, stopped by Close.
// Fault tests can [Server.Stop] it and [Server.Restart] it on the same port.
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
	addr string
	bin  string
	dir  string
	port int

	mu     sync.Mutex
	cmd    *exec.Cmd     // nil while stopped
	out    *bytes.Buffer // output of the current process
	exited chan struct{} // closed when the current process has exited
	closed bool
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
	s := &Server{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), bin: bin, dir: dir, port: port}
	if err := s.run(); err != nil {
		return nil, err
	}
	return s, nil
}

// run starts the process on s.port and waits for PING. s.mu is held or s
// is not yet shared.
func (s *Server) run() error {
	cmd := exec.Command(s.bin,
		"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--save", "", "--appendonly", "no", "--dir", s.dir,
		"--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning")
	out := new(bytes.Buffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redisproc: start redis-server: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("redisproc: redis-server exited: %s", out.String())
		default:
		}
		if ping(s.addr) == nil {
			s.cmd, s.out, s.exited = cmd, out, exited
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	<-exited
	return fmt.Errorf("redisproc: redis-server did not answer PING within 10s: %s", out.String())
}

// Addr returns the server's "127.0.0.1:port".
func (s *Server) Addr() string { return s.addr }

// Close stops the server and waits for it to exit. It is safe to call more
// than once, and after Stop.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		s.err = s.stop()
	}
	return s.err
}

// Stop stops the server, as an outage would, and keeps its port for
// Restart. Clients see refused connections until then. Data not saved with
// the SAVE command is lost, as in a Redis without persistence.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("redisproc: Stop after Close")
	}
	return s.stop()
}

// Restart starts a stopped server again on the same address and waits
// until it answers PING. A dump.rdb written by SAVE before Stop is loaded.
// It fails if the server is running or closed, or if the port was taken
// meanwhile.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return errors.New("redisproc: Restart after Close")
	case s.cmd != nil:
		return errors.New("redisproc: Restart of a running server")
	}
	return s.run()
}

// stop ends the current process, if any, and waits for it. s.mu is held.
func (s *Server) stop() error {
	if s.cmd == nil {
		return nil
	}
	var err error
	if e := s.cmd.Process.Signal(os.Interrupt); e != nil {
		err = e
	}
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
	return err
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
