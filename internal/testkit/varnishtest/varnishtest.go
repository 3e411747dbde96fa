// Package varnishtest starts a real varnishd for integration tests.
//
// Start runs "varnishd -F" on a free loopback port with a VCL of the test's
// choosing, waits until the child process runs, and stops it when the test
// ends. Tests that call Start are skipped when varnishd is not installed,
// except under CI=true, where a missing varnishd fails the test: the
// integration tests must really run there.
//
//	v := varnishtest.Start(t, varnishtest.Options{
//		VCL:     varnish.DefaultVCL, // github.com/fullsession/fullsession/cachehint/varnish
//		Backend: origin.Listener.Addr().String(),
//	})
//	resp, err := http.Get(v.URL + "/page")
//	purger := &cachehint.VarnishPurger{URL: v.PurgeURL}
//
// Every instance has, besides its client listener (v.URL), a listener named
// "purge" (v.PurgeURL), where the shipped VCL accepts PURGE and BAN, and
// any extra listeners in Options.Listeners (for example a PROXY one).
//
// varnishd runs with "-j none" (no privilege separation), so the files in
// t.TempDir() stay readable when the tests run as root.
package varnishtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fullsession/fullsession/internal/testkit/syncbuf"
)

// Options configures Start.
type Options struct {
	// VCL is the VCL program's source text. Required.
	VCL string
	// Backend is the origin's "host:port". When set, it replaces the
	// .host and .port of the first backend in VCL (see SetBackend).
	Backend string
	// Params are extra "name=value" runtime parameters, each passed as -p.
	Params []string
	// Storage is the -s argument; default "malloc,64m".
	Storage string
	// Listeners are extra named listeners, each on a free loopback port.
	// The "purge" listener always exists and must not be listed.
	Listeners []Listener
	// Env holds extra "NAME=value" environment variables for varnishd,
	// such as CACHEHINT_PURGE_SECRET.
	Env []string
}

// Listener is an extra named listener (-a name=127.0.0.1:port[,proto]).
type Listener struct {
	// Name is the listener's name, which VCL sees as local.socket.
	Name string
	// Proto is "HTTP" (the default) or "PROXY".
	Proto string
}

// Varnish is a running varnishd.
type Varnish struct {
	// URL is the base URL of the HTTP listener, "http://127.0.0.1:port".
	URL string
	// Addr is the HTTP listener's "127.0.0.1:port".
	Addr string
	// PurgeURL is the base URL of the listener named "purge", where the
	// shipped VCL accepts PURGE and BAN.
	PurgeURL string
	// Listeners maps the name of each listener in Options.Listeners, and
	// "purge", to its "127.0.0.1:port".
	Listeners map[string]string
	// AdminAddr is the management CLI's "127.0.0.1:port" (-T).
	AdminAddr string
	// Dir is the instance's working directory (-n).
	Dir string

	cmd  *exec.Cmd
	log  *syncbuf.Buffer
	done chan struct{}
}

// Binary returns the path of varnishd. When it is missing, Binary fails the
// test under CI=true and skips it otherwise.
func Binary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("varnishd"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/varnishd", "/usr/local/sbin/varnishd"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	const msg = "varnishtest: varnishd not found (Debian: apt-get install varnish varnish-modules)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg + "; skipping outside CI")
	return ""
}

// VmodDir returns the directory that holds the Debian vmods (xkey among
// them), or "" when none is found.
func VmodDir() string {
	matches, _ := filepath.Glob("/usr/lib/*/varnish/vmods")
	for _, m := range matches {
		if _, err := os.Stat(filepath.Join(m, "libvmod_std.so")); err == nil {
			return m
		}
	}
	return ""
}

var (
	hostRe = regexp.MustCompile(`\.host\s*=\s*"[^"]*"\s*;`)
	portRe = regexp.MustCompile(`\.port\s*=\s*"[^"]*"\s*;`)
)

// SetBackend returns vcl with the first .host and .port assignments
// replaced by those of hostport ("host:port"). It fails when hostport does
// not parse or vcl has no .host or .port to replace.
func SetBackend(vcl, hostport string) (string, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", fmt.Errorf("varnishtest: backend %q: %w", hostport, err)
	}
	h := hostRe.FindStringIndex(vcl)
	if h == nil {
		return "", errors.New("varnishtest: the VCL has no .host to replace")
	}
	vcl = vcl[:h[0]] + fmt.Sprintf(".host = %q;", host) + vcl[h[1]:]
	p := portRe.FindStringIndex(vcl)
	if p == nil {
		return "", errors.New("varnishtest: the VCL has no .port to replace")
	}
	return vcl[:p[0]] + fmt.Sprintf(".port = %q;", port) + vcl[p[1]:], nil
}

// Start starts varnishd with o and registers its shutdown with t.Cleanup.
// It fails the test when varnishd does not start or its child does not run
// within 60 seconds; varnishd's output is logged when the test fails.
func Start(t testing.TB, o Options) *Varnish {
	t.Helper()
	bin := Binary(t)
	vcl := o.VCL
	if o.Backend != "" {
		var err error
		if vcl, err = SetBackend(vcl, o.Backend); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	vclPath := filepath.Join(dir, "test.vcl")
	if err := os.WriteFile(vclPath, []byte(vcl), 0o644); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	// A free port can be taken between freePort and varnishd's bind: retry.
	for attempt := 0; attempt < 3; attempt++ {
		v, err := start(t, bin, dir, vclPath, o, attempt)
		if err == nil {
			return v
		}
		lastErr = err
		if !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	t.Fatal(lastErr)
	return nil
}

func start(t testing.TB, bin, dir, vclPath string, o Options, attempt int) (*Varnish, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	admin, err := freePort()
	if err != nil {
		return nil, err
	}
	storage := o.Storage
	if storage == "" {
		storage = "malloc,64m"
	}
	v := &Varnish{
		URL:       "http://" + addr,
		Addr:      addr,
		AdminAddr: admin,
		Listeners: map[string]string{},
		Dir:       filepath.Join(dir, fmt.Sprintf("work%d", attempt)),
		log:       &syncbuf.Buffer{},
		done:      make(chan struct{}),
	}
	args := []string{"-F", "-j", "none", "-n", v.Dir, "-a", addr, "-T", admin,
		"-f", vclPath, "-s", storage, "-l", "16m",
		"-p", "thread_pools=1", "-p", "thread_pool_min=10", "-p", "thread_pool_max=200"}
	for _, l := range append([]Listener{{Name: "purge"}}, o.Listeners...) {
		if l.Name == "" || v.Listeners[l.Name] != "" {
			return nil, fmt.Errorf("varnishtest: listener name %q is empty or used twice", l.Name)
		}
		a, err := freePort()
		if err != nil {
			return nil, err
		}
		v.Listeners[l.Name] = a
		arg := l.Name + "=" + a
		if l.Proto != "" {
			arg += "," + l.Proto
		}
		args = append(args, "-a", arg)
	}
	v.PurgeURL = "http://" + v.Listeners["purge"]
	if d := VmodDir(); d != "" {
		args = append(args, "-p", "vmod_path="+d)
	}
	for _, p := range o.Params {
		args = append(args, "-p", p)
	}
	v.cmd = exec.Command(bin, args...)
	v.cmd.Env = append(os.Environ(), o.Env...)
	v.cmd.Stdout = v.log
	v.cmd.Stderr = v.log
	// Own process group, so that stopping reaches the cache child too;
	// Pdeathsig stops varnishd if the test binary dies without cleanup
	// (go test -timeout, SIGKILL).
	v.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := v.cmd.Start(); err != nil {
		return nil, fmt.Errorf("varnishtest: start %s: %w", bin, err)
	}
	go func() { _ = v.cmd.Wait(); close(v.done) }()
	if err := v.waitRunning(60 * time.Second); err != nil {
		v.stop()
		return nil, fmt.Errorf("%w\nvarnishd output:\n%s", err, v.log.String())
	}
	t.Cleanup(func() {
		v.stop()
		if t.Failed() {
			t.Logf("varnishd output:\n%s", v.log.String())
		}
	})
	return v, nil
}

// waitRunning polls the management CLI until the child runs and the HTTP
// port accepts connections, without sending HTTP requests that could reach
// the test's origin.
func (v *Varnish) waitRunning(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-v.done:
			return errors.New("varnishtest: varnishd exited during start-up")
		default:
		}
		out, err := v.Adm("status")
		if err == nil && strings.Contains(out, "running") {
			if c, err := net.DialTimeout("tcp", v.Addr, time.Second); err == nil {
				c.Close()
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("varnishtest: varnishd not running after %s", timeout)
}

// Adm runs varnishadm against this instance and returns its output.
func (v *Varnish) Adm(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "varnishadm", append([]string{"-n", v.Dir, "-t", "5"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("varnishtest: varnishadm %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// UseVCL compiles src (with the backend set as in Options.Backend when
// backend is not empty) under the name name and makes it the active VCL,
// without restarting varnishd: the cache stays intact.
func (v *Varnish) UseVCL(name, src, backend string) error {
	if backend != "" {
		var err error
		if src, err = SetBackend(src, backend); err != nil {
			return err
		}
	}
	path := filepath.Join(filepath.Dir(v.Dir), name+".vcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		return err
	}
	if _, err := v.Adm("vcl.load", name, path); err != nil {
		return err
	}
	_, err := v.Adm("vcl.use", name)
	return err
}

// Pause stops varnishd and its cache process with SIGSTOP, as a hung
// server: connections are accepted by the kernel but never answered.
// Resume continues it, with its cache intact.
func (v *Varnish) Pause() error { return syscall.Kill(-v.cmd.Process.Pid, syscall.SIGSTOP) }

// Resume continues a paused varnishd (SIGCONT).
func (v *Varnish) Resume() error { return syscall.Kill(-v.cmd.Process.Pid, syscall.SIGCONT) }

// Log returns what varnishd printed so far.
func (v *Varnish) Log() string { return v.log.String() }

// stop sends SIGTERM to varnishd's process group and SIGKILL after 10
// seconds if it has not exited.
func (v *Varnish) stop() {
	pgid := v.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	_ = syscall.Kill(-pgid, syscall.SIGCONT) // in case the test paused it
	select {
	case <-v.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-v.done
	}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("varnishtest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
