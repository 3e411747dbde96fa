// Package pgproc starts a throw-away PostgreSQL cluster for tests: initdb in
// a temporary directory, the server on 127.0.0.1 at a free port, no fsync,
// trust authentication, stopped and deleted by Close. Stop and Start restart
// it on the same port with its data, for tests of an outage.
//
// It needs Debian's postgresql package (initdb and postgres under
// /usr/lib/postgresql/*/bin). [New] returns [ErrNotInstalled] when they are
// missing, so tests can skip outside CI and fail inside it. PostgreSQL
// refuses to run as root; when the test runs as root, the cluster runs as
// the "postgres" system user that the package creates.
package pgproc

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ErrNotInstalled reports that PostgreSQL's server binaries were not found.
var ErrNotInstalled = errors.New("pgproc: PostgreSQL server not found (apt-get install postgresql)")

// Server is a throw-away PostgreSQL cluster.
type Server struct {
	bin  string // directory of initdb, postgres, pg_isready
	dir  string // owns data/ and the socket
	port int
	cred *syscall.Credential

	mu     sync.Mutex
	cmd    *exec.Cmd
	out    *bytes.Buffer
	exited chan struct{}
}

// New creates a cluster in a new temporary directory and starts it. It
// returns once the server accepts connections, or an error after 30 s. The
// caller must Close it.
func New() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin}
	if os.Geteuid() == 0 {
		if s.cred, err = postgresUser(); err != nil {
			return nil, err
		}
	}
	if s.dir, err = os.MkdirTemp("", "pgproc-"); err != nil {
		return nil, err
	}
	if err := s.initdb(); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	if s.port, err = freePort(); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	if err := s.Start(); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	return s, nil
}

// URL returns a connection URL for the "postgres" database as the
// "postgres" superuser, e.g. "postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable".
func (s *Server) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// Addr returns "127.0.0.1:port".
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Start starts the server if it is stopped, on the same port with the same
// data, and waits until it accepts connections.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	cmd := exec.Command(filepath.Join(s.bin, "postgres"),
		"-D", filepath.Join(s.dir, "data"),
		"-h", "127.0.0.1", "-p", strconv.Itoa(s.port),
		"-k", s.dir, // the Unix socket stays in the temp dir
		"-F", // no fsync: a test cluster
		"-c", "max_connections=200",
		"-c", "shared_buffers=32MB",
	)
	s.out = &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = s.out, s.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			s.cmd = nil
			return fmt.Errorf("pgproc: postgres exited at start:\n%s", s.out)
		default:
		}
		if s.ready() {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stopLocked()
	return fmt.Errorf("pgproc: postgres not ready after 30 s:\n%s", s.out)
}

// Stop shuts the server down (fast shutdown: clients are disconnected) and
// waits for it to exit. The data stays for Start.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked()
}

func (s *Server) stopLocked() error {
	if s.cmd == nil {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
	}
	s.cmd = nil
	return nil
}

// Close stops the server and deletes its directory. It is safe to call
// more than once.
func (s *Server) Close() error {
	err := s.Stop()
	if s.dir != "" {
		os.RemoveAll(s.dir)
		s.dir = ""
	}
	return err
}

// Log returns what the server printed since its last Start.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out == nil {
		return ""
	}
	return s.out.String()
}

func (s *Server) initdb() error {
	if s.cred != nil {
		if err := os.Chown(s.dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return err
		}
	}
	cmd := exec.Command(filepath.Join(s.bin, "initdb"),
		"-D", filepath.Join(s.dir, "data"), "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgproc: initdb: %v\n%s", err, out)
	}
	return nil
}

// ready reports whether pg_isready says the server accepts connections.
func (s *Server) ready() bool {
	cmd := exec.Command(filepath.Join(s.bin, "pg_isready"), "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(s.port))
	return cmd.Run() == nil
}

// binDir finds the newest /usr/lib/postgresql/N/bin holding postgres.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", ErrNotInstalled
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgproc: running as root needs the postgres user (apt-get install postgresql): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
