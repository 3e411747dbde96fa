package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fullsession/fullsession/internal/testkit/syncbuf"
	"github.com/fullsession/fullsession/internal/testkit/varnishtest"
)

// runSh is one varnish/run.sh started by a test, on free loopback ports.
type runSh struct {
	cmd                   *exec.Cmd
	listen, purge, site   string
	varnishPID, centuryPD int
	work                  string
	out                   *syncbuf.Buffer
	exited                chan error
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

var (
	pidLine  = regexp.MustCompile(`run\.sh: (varnishd|century) pid (\d+)`)
	workLine = regexp.MustCompile(`varnishstat -n (\S+)/varnishd`)
)

// startRunSh starts run.sh with env and args, and waits for its "open" line.
// siteBin, when not empty, is the site binary run.sh starts (CENTURY_SITE=run).
func startRunSh(t *testing.T, siteBin string, env []string, args ...string) *runSh {
	t.Helper()
	varnishtest.Binary(t) // skips, or fails under CI, without varnishd
	r := &runSh{listen: freeAddr(t), purge: freeAddr(t), site: freeAddr(t), out: &syncbuf.Buffer{}, exited: make(chan error, 1)}
	r.cmd = exec.Command("bash", append([]string{"varnish/run.sh"}, args...)...)
	r.cmd.Env = append(os.Environ(), "VARNISH_LISTEN="+r.listen, "VARNISH_PURGE_LISTEN="+r.purge,
		"CENTURY_BACKEND="+r.site, "VARNISH_STORAGE=malloc,32m")
	if siteBin != "" {
		r.cmd.Env = append(r.cmd.Env, "CENTURY_BIN="+siteBin)
	} else {
		r.cmd.Env = append(r.cmd.Env, "CENTURY_SITE=none")
	}
	r.cmd.Env = append(r.cmd.Env, env...)
	pr, pw := io.Pipe()
	r.cmd.Stdout, r.cmd.Stderr = pw, pw
	require.NoError(t, r.cmd.Start())
	go func() { err := r.cmd.Wait(); pw.Close(); r.exited <- err }()
	t.Cleanup(func() {
		// Whatever the test did, leave nothing behind.
		r.cmd.Process.Signal(syscall.SIGKILL)
		for _, pid := range []int{r.varnishPID, r.centuryPD} {
			if pid > 0 {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			r.out.Write([]byte(line + "\n"))
			if m := pidLine.FindStringSubmatch(line); m != nil {
				pid, _ := strconv.Atoi(m[2])
				if m[1] == "varnishd" {
					r.varnishPID = pid
				} else {
					r.centuryPD = pid
				}
			}
			if m := workLine.FindStringSubmatch(line); m != nil {
				r.work = m[1]
			}
			if strings.HasPrefix(line, "run.sh: open http://") {
				close(ready)
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case <-ready:
	case err := <-r.exited:
		t.Fatalf("run.sh exited before it was ready: %v\n%s", err, r.out.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("run.sh not ready in 2 minutes\n%s", r.out.String())
	}
	return r
}

// gone reports whether no process has this pid any more (or a zombie
// nobody waits for, which holds no port).
func gone(pid int) bool {
	err := syscall.Kill(pid, 0)
	if errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	f := strings.Fields(string(b))
	return len(f) > 2 && f[2] == "Z"
}

// assertStopped checks that run.sh left nothing running: its processes are
// gone, its ports are free, its work folder is removed.
func (r *runSh) assertStopped(t *testing.T) {
	t.Helper()
	require.Positive(t, r.varnishPID, r.out.String())
	pids := []int{r.varnishPID}
	if r.centuryPD > 0 {
		pids = append(pids, r.centuryPD)
	}
	for _, pid := range pids {
		assert.Eventually(t, func() bool { return gone(pid) }, 20*time.Second, 50*time.Millisecond, "process %d still runs\n%s", pid, r.out.String())
	}
	for _, addr := range []string{r.listen, r.purge, r.site} {
		assert.Eventually(t, func() bool {
			ln, err := net.Listen("tcp", addr)
			if err == nil {
				ln.Close()
			}
			return err == nil
		}, 10*time.Second, 50*time.Millisecond, "%s is still in use", addr)
	}
	if assert.NotEmpty(t, r.work) {
		_, err := os.Stat(r.work)
		assert.True(t, os.IsNotExist(err), "work folder %s left behind", r.work)
	}
}

func (r *runSh) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.exited:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("run.sh did not exit\n%s", r.out.String())
		return nil
	}
}

// TestRunShStopsVarnishOnSignals sends each signal to run.sh alone (as
// `kill PID` does, not to its process group): varnishd must stop with it.
func TestRunShStopsVarnishOnSignals(t *testing.T) {
	for name, sig := range map[string]syscall.Signal{"SIGTERM": syscall.SIGTERM, "SIGINT": syscall.SIGINT, "SIGHUP": syscall.SIGHUP} {
		t.Run(name, func(t *testing.T) {
			r := startRunSh(t, "", nil)
			assert.Contains(t, r.out.String(), "go run ./examples/century -addr "+r.site+" -varnish http://"+r.purge+" -trusted-proxies 127.0.0.1/32",
				"Varnish alone prints the exact site command")
			require.NoError(t, r.cmd.Process.Signal(sig))
			err := r.wait(t)
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit)
			assert.Equal(t, 128+int(sig), exit.ExitCode())
			assert.Contains(t, r.out.String(), "run.sh: "+name+", stopping")
			r.assertStopped(t)
		})
	}
}

// TestRunShStartsSiteAndPurges runs the README's production-like path as
// written: run.sh starts the site and Varnish; a change made by the site's
// updater reaches Varnish as a purge. SIGTERM stops both.
func TestRunShStartsSiteAndPurges(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("builds the site")
	}
	bin := filepath.Join(t.TempDir(), "century")
	build := exec.Command("go", append([]string{"build"}, append(raceFlag(), "-o", bin, ".")...)...)
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	db := filepath.Join(t.TempDir(), "century.db")
	r := startRunSh(t, bin, nil, "-count", "300", "-db", db, "-update-rate", "50", "-log-level", "debug")

	resp, err := http.Get("http://" + r.listen + "/properties/7")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, r.out.String(), "purges on "+r.purge+" only, with the secret")
	// The updater changes 50 properties a second and purges each.
	assert.Eventually(t, func() bool {
		return strings.Contains(r.out.String(), "property updated")
	}, 20*time.Second, 100*time.Millisecond, r.out.String())
	time.Sleep(time.Second)
	assert.NotContains(t, r.out.String(), "cache purge failed", "purges reach Varnish's purge listener with the secret")
	assert.NotContains(t, r.out.String(), "no purge target is set")

	require.NoError(t, r.cmd.Process.Signal(syscall.SIGTERM))
	r.wait(t)
	r.assertStopped(t)
}

// TestRunShStopsOnItsOwnErrors: when varnishd cannot start (its port is
// taken), run.sh fails and leaves nothing running.
func TestRunShStopsOnItsOwnErrors(t *testing.T) {
	varnishtest.Binary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	cmd := exec.CommandContext(context.Background(), "bash", "varnish/run.sh")
	cmd.Env = append(os.Environ(), "CENTURY_SITE=none", "VARNISH_LISTEN="+ln.Addr().String(), "VARNISH_PURGE_LISTEN="+freeAddr(t))
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "is in use")
	assert.NotContains(t, string(out), "varnishd pid")

	// A varnishd that dies after it started (killed from outside) takes
	// run.sh down with it.
	r := startRunSh(t, "", nil)
	require.NoError(t, syscall.Kill(r.varnishPID, syscall.SIGKILL))
	err = r.wait(t)
	require.Error(t, err)
	assert.Contains(t, r.out.String(), "stopping the rest")
	r.assertStopped(t)
}
