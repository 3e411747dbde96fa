// webkit.go runs WebKitGTK through WebKitWebDriver and Epiphany, under a
// private Xvfb and D-Bus session bus: one set per test binary, one
// WebDriver session (a fresh, ephemeral Epiphany) per profile.

package browsertest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fullsession/fullsession/internal/testkit/syncbuf"
)

const (
	webkitDriverPath = "WebKitWebDriver"
	epiphanyPath     = "/usr/bin/epiphany"
	// miniBrowserPath is WebKitGTK's own test browser, the driver's
	// default. It stands in when Epiphany keeps failing to start.
	miniBrowserPath = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
)

type webkit struct {
	env     []string // DISPLAY and DBUS_SESSION_BUS_ADDRESS for the drivers
	caps    map[string]any
	mini    map[string]any // caps for MiniBrowser, the fallback
	version string
	procs   []*exec.Cmd // Xvfb and dbus-daemon
	proxy   *http.Server

	mu      sync.Mutex
	drivers []*wkDriver   // every driver started
	idle    []*wkDriver   // drivers without a session
	spare   *wdSession    // a fresh session not yet handed out
	filling chan struct{} // closed when the spare being opened is ready
	stopped bool
}

type wkDriver struct {
	cmd, bus *exec.Cmd
	c        *wdClient
	out      *syncbuf.Buffer // the driver's and the browser's output
}

func startWebKit() (Engine, func(), error) {
	w := &webkit{}
	if err := w.start(); err != nil {
		w.stop()
		return nil, nil, err
	}
	return w, w.stop, nil
}

func (w *webkit) start() error {
	for _, p := range []string{epiphanyPath, "/usr/bin/Xvfb", "/usr/bin/dbus-daemon"} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%w: webkit: %v (go_test.sh installs it: %s)", ErrMissing, err, packages["webkit"])
		}
	}
	display, err := w.startXvfb()
	if err != nil {
		return fmt.Errorf("starting Xvfb: %w", err)
	}
	w.env = append(os.Environ(), "DISPLAY="+display, "NO_AT_BRIDGE=1",
		// As root the web process crashes under its sandbox; the pages
		// loaded are the tests' own, on loopback.
		"WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS=1", "WEBKIT_DISABLE_COMPOSITING_MODE=1")
	proxy, err := w.startProxy()
	if err != nil {
		return fmt.Errorf("starting the loopback proxy: %w", err)
	}
	w.caps = map[string]any{
		"browserName":         "Epiphany",
		"acceptInsecureCerts": true,
		// Plain HTTP goes through a proxy that forwards to 127.0.0.1 only:
		// that is how InsecureHost resolves. HTTPS goes direct (WebKit
		// fails the TLS handshake through an sslProxy), to 127.0.0.1 in
		// the tests; strace shows nothing else contacted.
		"proxy": map[string]any{"proxyType": "manual", "httpProxy": proxy},
		"webkitgtk:browserOptions": map[string]any{
			"binary": epiphanyPath, "args": []string{"--automation-mode"},
		},
	}
	w.mini = map[string]any{
		"browserName":         "MiniBrowser",
		"acceptInsecureCerts": true,
		"proxy":               w.caps["proxy"],
		"webkitgtk:browserOptions": map[string]any{
			"binary": miniBrowserPath, "args": []string{"--automation"},
		},
	}
	if os.Getenv("BROWSERTEST_WEBKIT") == "minibrowser" {
		w.caps = w.mini
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := w.session(ctx)
	if err != nil {
		return err
	}
	w.spare = s
	w.version = s.caps.BrowserName + " " + s.caps.BrowserVersion
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", "libwebkit2gtk-4.1-0").Output(); err == nil {
		w.version += " (WebKitGTK " + strings.SplitN(string(out), "-", 2)[0] + ")"
	}
	return nil
}

// startXvfb starts a virtual X server without TCP and returns its display.
func (w *webkit) startXvfb() (string, error) {
	r, wr, err := os.Pipe()
	if err != nil {
		return "", err
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "1280x1024x24")
	cmd.ExtraFiles = []*os.File{wr}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	wr.Close()
	if err != nil {
		return "", err
	}
	w.procs = append(w.procs, cmd)
	n, err := readLine(r, 20*time.Second)
	if err != nil {
		return "", err
	}
	return ":" + n, nil
}

// startDBus starts a private session bus and returns its address. Each
// driver has its own: a second Epiphany on the same bus hands its window
// to the first (it is a single-instance application).
//
// The bus has no service directories, so nothing is activated on it: no
// document portal (a FUSE mount under ~/.cache/doc that outlives the
// test), no desktop portal, no accessibility bus. Epiphany runs without
// them.
func startDBus() (*exec.Cmd, string, error) {
	dir, err := os.MkdirTemp("", "browsertest-dbus-")
	if err != nil {
		return nil, "", err
	}
	conf := dir + "/session.conf"
	if err := os.WriteFile(conf, []byte(dbusConfig(dir)), 0o600); err != nil {
		return nil, "", err
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	addr, err := readLine(out, 20*time.Second)
	if err != nil {
		killGroup(cmd)
		return nil, "", err
	}
	return cmd, addr, nil
}

// dbusConfig is a session bus configuration listening in dir, with no
// service directories.
func dbusConfig(dir string) string {
	return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=` + dir + `</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`
}

// readLine returns the first line of r, trimmed.
func readLine(r interface{ Read([]byte) (int, error) }, d time.Duration) (string, error) {
	ch := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(r).ReadString('\n')
		ch <- strings.TrimSpace(l)
	}()
	select {
	case l := <-ch:
		if l == "" {
			return "", errors.New("no output")
		}
		return l, nil
	case <-time.After(d):
		return "", fmt.Errorf("no output within %v", d)
	}
}

// startProxy starts an HTTP proxy on loopback that forwards requests for
// loopback names (InsecureHost included) to 127.0.0.1 on the requested
// port, and refuses every other request and CONNECT. It returns its
// "127.0.0.1:port".
func (w *webkit) startProxy() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			port := r.In.URL.Port()
			if port == "" {
				port = "80"
			}
			r.Out.URL.Scheme = "http"
			r.Out.URL.Host = "127.0.0.1:" + port
			r.Out.Host = r.In.Host
		},
		// A browser that drops a connection is no news: do not log it.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	w.proxy = &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodConnect || !r.URL.IsAbs() || !loopbackName(r.URL.Hostname()) {
			http.Error(rw, "browsertest proxy: loopback only", http.StatusForbidden)
			return
		}
		rp.ServeHTTP(rw, r)
	})}
	go w.proxy.Serve(l)
	return l.Addr().String(), nil
}

// loopbackName reports whether host names this machine.
func loopbackName(host string) bool {
	switch host {
	case InsecureHost, "localhost", "127.0.0.1", "::1":
		return true
	}
	return strings.HasSuffix(host, ".localhost")
}

// session opens a session on an idle driver, starting one if none is
// idle. Epiphany now and then fails an assertion while it opens its first
// window ("Unknown error creating top level browsing context"), more often
// on a loaded machine: the driver is then replaced and the session retried,
// and after three failures MiniBrowser (the same WebKitGTK engine) is used
// for the rest of the attempts.
func (w *webkit) session(ctx context.Context) (*wdSession, error) {
	var last error
	caps := w.caps
	for attempt := 0; attempt < 5; attempt++ {
		if attempt == 3 {
			if _, err := os.Stat(miniBrowserPath); err == nil {
				caps = w.mini
				log.Printf("browsertest: Epiphany failed to start 3 times; using MiniBrowser")
			}
		}
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
		}
		w.mu.Lock()
		var d *wkDriver
		if n := len(w.idle); n > 0 {
			d, w.idle = w.idle[n-1], w.idle[:n-1]
		}
		w.mu.Unlock()
		if d == nil {
			var err error
			if d, err = w.startDriver(ctx); err != nil {
				return nil, err
			}
		}
		s, err := d.c.newSession(ctx, caps)
		if err == nil {
			return s, nil
		}
		last = fmt.Errorf("%w; driver output:\n%s", err, d.out.String())
		w.retire(d)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("webkit: new session: %w", last)
}

// retire stops d and forgets it.
func (w *webkit) retire(d *wkDriver) {
	w.mu.Lock()
	for i, x := range w.drivers {
		if x == d {
			w.drivers = append(w.drivers[:i], w.drivers[i+1:]...)
			break
		}
	}
	w.mu.Unlock()
	killGroup(d.cmd)
	killGroup(d.bus)
}

// prefill opens a spare session in the background, when a driver is idle
// and there is no spare yet, so that the next NewProfile need not wait the
// second or two Epiphany takes to start.
func (w *webkit) prefill() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped || w.spare != nil || w.filling != nil || len(w.idle) == 0 {
		return
	}
	done := make(chan struct{})
	w.filling = done
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s, err := w.session(ctx)
		w.mu.Lock()
		defer w.mu.Unlock()
		w.filling = nil
		if err != nil {
			return // NewProfile will try again, and report its own error
		}
		if w.stopped {
			s.delete(ctx)
			return
		}
		w.spare = s
	}()
}

func (w *webkit) release(d *wkDriver) {
	w.mu.Lock()
	w.idle = append(w.idle, d)
	w.mu.Unlock()
	w.prefill()
}

func (w *webkit) driverOf(s *wdSession) *wkDriver {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, d := range w.drivers {
		if d.c == s.c {
			return d
		}
	}
	return nil
}

// startDriver starts a WebKitWebDriver on a free loopback port.
func (w *webkit) startDriver(ctx context.Context) (*wkDriver, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	bus, addr, err := startDBus()
	if err != nil {
		return nil, fmt.Errorf("starting dbus-daemon: %w", err)
	}
	cmd := exec.Command(webkitDriverPath, "--port="+port, "--host=127.0.0.1")
	cmd.Env = append(w.env, "DBUS_SESSION_BUS_ADDRESS="+addr)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		killGroup(bus)
		return nil, err
	}
	d := &wkDriver{cmd: cmd, bus: bus, c: &wdClient{base: "http://127.0.0.1:" + port}, out: out}
	w.mu.Lock()
	w.drivers = append(w.drivers, d)
	w.mu.Unlock()
	for {
		var st struct {
			Ready bool `json:"ready"`
		}
		if err := d.c.do(ctx, "GET", "/status", nil, &st); err == nil && st.Ready {
			return d, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("WebKitWebDriver did not get ready: %w; output:\n%s", ctx.Err(), out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

func (w *webkit) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	w.mu.Lock()
	w.stopped = true
	filling := w.filling
	w.mu.Unlock()
	if filling != nil {
		<-filling
	}
	w.mu.Lock()
	if w.spare != nil {
		w.spare.delete(ctx)
		w.spare = nil
	}
	drivers := w.drivers
	w.drivers, w.idle = nil, nil
	w.mu.Unlock()
	for _, d := range drivers {
		killGroup(d.cmd)
		killGroup(d.bus)
	}
	for i := len(w.procs) - 1; i >= 0; i-- {
		killGroup(w.procs[i])
	}
	w.procs = nil
	if w.proxy != nil {
		w.proxy.Close()
	}
}

// killGroup stops the process group that cmd leads: TERM, then, once the
// leader exited or after 3 s, KILL for whatever is left of the group.
func killGroup(cmd *exec.Cmd) {
	pid := cmd.Process.Pid
	syscall.Kill(-pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
	}
	syscall.Kill(-pid, syscall.SIGKILL)
	<-done
}

func (w *webkit) Name() string    { return "webkit" }
func (w *webkit) Version() string { return w.version }

func (w *webkit) NewProfile(ctx context.Context) (Profile, error) {
	var s *wdSession
	for s == nil {
		w.mu.Lock()
		s, w.spare = w.spare, nil
		filling := w.filling
		w.mu.Unlock()
		if s != nil || filling == nil {
			break
		}
		select {
		case <-filling:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s == nil {
		var err error
		if s, err = w.session(ctx); err != nil {
			return nil, err
		}
	}
	first, err := s.window(ctx)
	if err != nil {
		s.delete(ctx)
		return nil, err
	}
	return &webkitProfile{w: w, s: s, first: first, current: first}, nil
}

type webkitProfile struct {
	w *webkit
	s *wdSession

	mu      sync.Mutex // one command at a time: the current window is shared
	first   string     // the session's own window, handed out by the first NewTab
	current string
	closed  bool
}

func (p *webkitProfile) NewTab(ctx context.Context) (Tab, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.first != "" {
		h := p.first
		p.first = ""
		return &webkitTab{p: p, handle: h}, nil
	}
	h, err := p.s.newWindow(ctx)
	if err != nil {
		return nil, err
	}
	return &webkitTab{p: p, handle: h}, nil
}

func (p *webkitProfile) Cookies(ctx context.Context) ([]Cookie, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cs, err := p.s.cookies(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Cookie, 0, len(cs))
	for _, c := range cs {
		k := Cookie{Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path,
			Secure: c.Secure, HTTPOnly: c.HTTPOnly, SameSite: sameSite(c.SameSite)}
		if c.Expiry != nil {
			k.Expires = time.Unix(*c.Expiry, 0)
		}
		out = append(out, k)
	}
	return out, nil
}

func (p *webkitProfile) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := p.s.delete(ctx)
	if d := p.w.driverOf(p.s); d != nil {
		p.w.release(d)
	}
	return err
}

type webkitTab struct {
	p      *webkitProfile
	handle string
}

// use makes t the session's current window; p.mu is held.
func (t *webkitTab) use(ctx context.Context) error {
	if t.p.current == t.handle {
		return nil
	}
	if err := t.p.s.switchTo(ctx, t.handle); err != nil {
		return err
	}
	t.p.current = t.handle
	return nil
}

func (t *webkitTab) Navigate(ctx context.Context, url string) error {
	t.p.mu.Lock()
	defer t.p.mu.Unlock()
	if err := t.use(ctx); err != nil {
		return err
	}
	return t.p.s.navigate(ctx, url)
}

func (t *webkitTab) Eval(ctx context.Context, body string) (json.RawMessage, error) {
	t.p.mu.Lock()
	defer t.p.mu.Unlock()
	if err := t.use(ctx); err != nil {
		return nil, err
	}
	var s string
	if err := t.p.s.execute(ctx, "return "+wrap(body), nil, &s); err != nil {
		return nil, err
	}
	return json.RawMessage(s), nil
}
