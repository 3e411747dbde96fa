package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sessionKey is the site's session secret for the run (hex, 32 bytes). A
// fixed key keeps the site from warning about a development key; it protects
// nothing.
const sessionKey = "62656e63682d6f6e6c792d6b65792d6e6f742d612d7365637265742d2d2d2d21"

// env is the running site and Varnish.
type env struct {
	dir             string
	origin, varnish string // "127.0.0.1:port"
	purge           string // Varnish's purge listener, "127.0.0.1:port"
	varnishDir      string // -n of varnishd, for varnishstat
	site, cache     *proc
	siteLog         string
}

// proc is a started process in its own process group.
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd.Wait returned
}

func startProc(cmd *exec.Cmd) (*proc, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(p.exited) }()
	return p, nil
}

// stop sends SIGTERM to the process group, and SIGKILL after 15 seconds.
func (p *proc) stop() {
	pgid := p.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.exited
	}
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func (e *env) varnishURL() string { return "http://" + e.varnish }

// startEnv builds and starts the site, then Varnish in front of it.
func startEnv(ctx context.Context, o options) (*env, error) {
	if _, err := os.Stat("examples/century/varnish/run.sh"); err != nil {
		return nil, errors.New("run from the module root (examples/century/varnish/run.sh not found)")
	}
	for _, bin := range []string{"varnishd", "varnishstat"} {
		if _, err := exec.LookPath(bin); err != nil {
			if _, err2 := os.Stat("/usr/sbin/" + bin); err2 != nil {
				return nil, fmt.Errorf("%s not found: apt-get install varnish varnish-modules", bin)
			}
		}
	}
	dir, err := os.MkdirTemp("", "cachebench")
	if err != nil {
		return nil, err
	}
	e := &env{dir: dir, siteLog: filepath.Join(dir, "century.log")}
	ok := false
	defer func() {
		if !ok {
			e.stop()
		}
	}()
	bin := filepath.Join(dir, "century")
	log.Printf("building examples/century")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./examples/century").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./examples/century: %v\n%s", err, out)
	}
	if e.origin, err = freePort(); err != nil {
		return nil, err
	}
	if e.varnish, err = freePort(); err != nil {
		return nil, err
	}
	if e.purge, err = freePort(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(o.db), 0o755); err != nil {
		return nil, err
	}
	// Varnish first, so that the site's first purges find it.
	if err := e.startVarnish(ctx, o); err != nil {
		return nil, err
	}
	if err := e.startSite(ctx, bin, o); err != nil {
		return nil, err
	}
	if err := waitHealthy(ctx, e.cache, e.varnishURL()+"/healthz", time.Minute); err != nil {
		return nil, err
	}
	ok = true
	return e, nil
}

func (e *env) startSite(ctx context.Context, bin string, o options) error {
	logf, err := os.Create(e.siteLog)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(bin,
		"-addr", e.origin, "-db", o.db, "-keys", sessionKey,
		"-update-rate", strconv.FormatFloat(o.updateRate, 'g', -1, 64),
		"-trusted-proxies", "127.0.0.1/32", "-log-level", "warn",
		"-idle-timeout", o.idleTimeout.String())
	if o.purge {
		cmd.Args = append(cmd.Args, "-varnish", "http://"+e.purge) // the VCL refuses purges elsewhere
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if e.site, err = startProc(cmd); err != nil {
		return fmt.Errorf("start century: %w", err)
	}
	log.Printf("waiting for the site (the first run generates the database, %s)", o.db)
	if err := waitHealthy(ctx, e.site, "http://"+e.origin+"/healthz", 10*time.Minute); err != nil {
		return fmt.Errorf("%w; the site logged:\n%s", err, e.originErrors())
	}
	return nil
}

func (e *env) startVarnish(ctx context.Context, o options) error {
	cmd := exec.Command("bash", "examples/century/varnish/run.sh")
	// CENTURY_SITE=none: run.sh starts Varnish only. Without it, run.sh
	// also starts a site of its own on CENTURY_BACKEND, with its default
	// flags, which races this command's site for the port.
	cmd.Env = append(os.Environ(), "CENTURY_SITE=none",
		"CENTURY_BACKEND="+e.origin, "VARNISH_LISTEN="+e.varnish, "VARNISH_PURGE_LISTEN="+e.purge, "VARNISH_STORAGE="+o.storage)
	// A pipe, not StdoutPipe: the reader below may still be reading when
	// the process is waited for.
	out, w, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = w, w
	e.cache, err = startProc(cmd)
	w.Close()
	if err != nil {
		out.Close()
		return fmt.Errorf("start run.sh: %w", err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if _, rest, ok := strings.Cut(line, "varnishstat -n "); ok && !sent {
				found <- strings.Fields(rest)[0]
				sent = true
			}
			if !strings.HasPrefix(line, "run.sh:") {
				fmt.Fprintln(os.Stderr, "varnish:", line)
			}
		}
		if !sent {
			close(found)
		}
	}()
	select {
	case d, ok := <-found:
		if !ok {
			return errors.New("run.sh exited before starting varnishd")
		}
		e.varnishDir = d
	case <-time.After(30 * time.Second):
		return errors.New("run.sh did not start varnishd within 30s")
	}
	return waitListening(ctx, e.cache, e.varnish, 30*time.Second)
}

// waitListening waits until addr accepts connections.
func waitListening(ctx context.Context, p *proc, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return fmt.Errorf("%s exited while waiting for %s", p.cmd.Path, addr)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
	}
	return fmt.Errorf("nothing listens on %s after %s", addr, timeout)
}

// waitHealthy polls url until it answers 200, the process exits or timeout.
func waitHealthy(ctx context.Context, p *proc, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return fmt.Errorf("%s exited while waiting for %s", p.cmd.Path, url)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("%s not healthy after %s", url, timeout)
}

// stop ends Varnish, then the site.
func (e *env) stop() {
	for _, p := range []*proc{e.cache, e.site} {
		if p != nil {
			p.stop()
		}
	}
	os.RemoveAll(e.dir)
}

// originErrors returns what the site logged (it runs at level warn).
func (e *env) originErrors() string {
	b, _ := os.ReadFile(e.siteLog)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 40 {
		lines = append(lines[:40], fmt.Sprintf("… %d more lines", len(lines)-40))
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// counters are Varnish's MAIN counters this command reads.
type counters map[string]uint64

var counterNames = []string{"MAIN.client_req", "MAIN.cache_hit", "MAIN.cache_miss",
	"MAIN.cache_hitpass", "MAIN.cache_hitmiss", "MAIN.s_pass", "MAIN.backend_req",
	"MAIN.n_lru_nuked", "MAIN.n_expired", "MAIN.busy_sleep",
	"MAIN.sess_conn", "MAIN.backend_conn", "MAIN.backend_reuse"}

func (e *env) varnishStats() (counters, error) {
	args := []string{"-n", e.varnishDir, "-1"}
	for _, n := range counterNames {
		args = append(args, "-f", n)
	}
	out, err := exec.Command("varnishstat", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("varnishstat: %w", err)
	}
	c := counters{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 {
			if v, err := strconv.ParseUint(f[1], 10, 64); err == nil {
				c[f[0]] = v
			}
		}
	}
	if _, ok := c["MAIN.cache_hit"]; !ok {
		return nil, fmt.Errorf("varnishstat printed no MAIN.cache_hit:\n%s", out)
	}
	return c, nil
}

// settledStats waits until Varnish's counters hold the requests just sent,
// then returns them. A worker thread adds its own counts to the global
// counters only now and then (MAIN.summs): one that kept a keep-alive
// connection busy all day holds its counts until the connection idles
// (timeout_linger, 50 ms by default). It waits until client_req grew by at
// least sent since before and the lookups (cache_hit + cache_miss) stopped
// moving, for 10 seconds at most.
func (e *env) settledStats(before counters, sent uint64) (counters, error) {
	var last counters
	deadline := time.Now().Add(10 * time.Second)
	for {
		time.Sleep(100 * time.Millisecond)
		c, err := e.varnishStats()
		if err != nil {
			return nil, err
		}
		lookups := func(c counters) uint64 { return c["MAIN.cache_hit"] + c["MAIN.cache_miss"] }
		if c["MAIN.client_req"]-before["MAIN.client_req"] >= sent && last != nil && lookups(c) == lookups(last) {
			return c, nil
		}
		if time.Now().After(deadline) {
			log.Printf("Varnish's counters did not settle: client_req grew by %d for %d requests sent",
				c["MAIN.client_req"]-before["MAIN.client_req"], sent)
			return c, nil
		}
		last = c
	}
}

func (c counters) sub(before counters) counters {
	out := counters{}
	for k, v := range c {
		out[k] = v - before[k]
	}
	return out
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
