// firefox.go runs Debian's firefox-esr headless, speaking WebDriver BiDi on
// a loopback websocket (no geckodriver): one process per test binary, one
// user context per profile.

package browsertest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

const firefoxPath = "firefox-esr"

// firefoxPrefs go into the fresh profile's user.js. The first three keep
// Firefox off the network (with MOZ_DISABLE_NONLOCAL_CONNECTIONS=1): without
// them it looks up its remote-settings host about 33 times per start.
var firefoxPrefs = map[string]any{
	"services.settings.server":                   "data:,#remote-settings-dummy/v1",
	"network.dns.disablePrefetch":                true,
	"network.trr.mode":                           5, // no DNS over HTTPS
	"network.dns.localDomains":                   InsecureHost,
	"network.prefetch-next":                      false,
	"network.predictor.enabled":                  false,
	"network.http.speculative-parallel-limit":    0,
	"network.captive-portal-service.enabled":     false,
	"network.connectivity-service.enabled":       false,
	"browser.safebrowsing.malware.enabled":       false,
	"browser.safebrowsing.phishing.enabled":      false,
	"browser.safebrowsing.downloads.enabled":     false,
	"browser.safebrowsing.update.enabled":        false,
	"browser.shell.checkDefaultBrowser":          false,
	"browser.startup.page":                       0,
	"browser.newtabpage.enabled":                 false,
	"datareporting.policy.dataSubmissionEnabled": false,
	"datareporting.healthreport.uploadEnabled":   false,
	"toolkit.telemetry.enabled":                  false,
	"app.update.auto":                            false,
	"extensions.update.enabled":                  false,
	"extensions.getAddons.cache.enabled":         false,
	"media.gmp-manager.updateEnabled":            false,
}

type firefox struct {
	conn    *bidiConn
	version string
}

var bidiListening = regexp.MustCompile(`WebDriver BiDi listening on (ws://127\.0\.0\.1:\d+)`)

func startFirefox() (Engine, func(), error) {
	dir, err := os.MkdirTemp("", "browsertest-firefox-")
	if err != nil {
		return nil, nil, err
	}
	if err := writeUserJS(filepath.Join(dir, "user.js")); err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	cmd := exec.Command(firefoxPath, "--headless", "--no-remote", "--profile", dir,
		"--remote-debugging-port=0", "--remote-allow-hosts=127.0.0.1")
	cmd.Env = append(os.Environ(), "MOZ_DISABLE_NONLOCAL_CONNECTIONS=1", "MOZ_CRASHREPORTER_DISABLE=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	kill := func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		os.RemoveAll(dir)
	}
	url, out, err := waitLine(stderr, bidiListening, 60*time.Second)
	if err != nil {
		kill()
		return nil, nil, fmt.Errorf("starting firefox: %w; output:\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := dialBiDi(ctx, url+"/session")
	if err != nil {
		kill()
		return nil, nil, err
	}
	var s struct {
		Capabilities struct {
			BrowserName    string `json:"browserName"`
			BrowserVersion string `json:"browserVersion"`
		} `json:"capabilities"`
	}
	err = conn.call(ctx, "session.new", map[string]any{
		"capabilities": map[string]any{"alwaysMatch": map[string]any{"acceptInsecureCerts": true}},
	}, &s)
	if err != nil {
		conn.close()
		kill()
		return nil, nil, err
	}
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn.call(ctx, "browser.close", nil, nil)
		cancel()
		conn.close()
		kill()
	}
	return &firefox{conn: conn, version: s.Capabilities.BrowserName + " " + s.Capabilities.BrowserVersion}, stop, nil
}

// writeUserJS writes firefoxPrefs as a user.js file.
func writeUserJS(path string) error {
	var b strings.Builder
	for k, v := range firefoxPrefs {
		j, _ := json.Marshal(v)
		fmt.Fprintf(&b, "user_pref(%q, %s);\n", k, j)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// waitLine reads r until a line matches re and returns its first group,
// and keeps draining r in the background. It also returns what it read
// before, to explain a failure when the line does not come within d.
func waitLine(r io.Reader, re *regexp.Regexp, d time.Duration) (string, string, error) {
	var mu sync.Mutex
	var seen strings.Builder
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		matched := false
		for sc.Scan() {
			if matched {
				continue
			}
			mu.Lock()
			seen.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				matched = true
				found <- m[1]
			}
		}
		close(found)
	}()
	read := func() string { mu.Lock(); defer mu.Unlock(); return seen.String() }
	select {
	case s, ok := <-found:
		if !ok {
			return "", read(), errors.New("the process closed its output")
		}
		return s, read(), nil
	case <-time.After(d):
		return "", read(), fmt.Errorf("no line matching %s within %v", re, d)
	}
}

func (f *firefox) Name() string    { return "firefox" }
func (f *firefox) Version() string { return f.version }

func (f *firefox) NewProfile(ctx context.Context) (Profile, error) {
	var r struct {
		UserContext string `json:"userContext"`
	}
	if err := f.conn.call(ctx, "browser.createUserContext", nil, &r); err != nil {
		return nil, err
	}
	return &firefoxProfile{f: f, id: r.UserContext}, nil
}

type firefoxProfile struct {
	f  *firefox
	id string // the user context
}

func (p *firefoxProfile) NewTab(ctx context.Context) (Tab, error) {
	var r struct {
		Context string `json:"context"`
	}
	err := p.f.conn.call(ctx, "browsingContext.create", map[string]any{
		"type": "tab", "userContext": p.id, "background": true,
	}, &r)
	if err != nil {
		return nil, err
	}
	return &firefoxTab{conn: p.f.conn, id: r.Context}, nil
}

func (p *firefoxProfile) Cookies(ctx context.Context) ([]Cookie, error) {
	var r struct {
		Cookies []struct {
			Name  string `json:"name"`
			Value struct {
				Type  string `json:"type"`
				Value string `json:"value"`
			} `json:"value"`
			Domain   string `json:"domain"`
			Path     string `json:"path"`
			HTTPOnly bool   `json:"httpOnly"`
			Secure   bool   `json:"secure"`
			SameSite string `json:"sameSite"`
			Expiry   *int64 `json:"expiry"`
		} `json:"cookies"`
	}
	err := p.f.conn.call(ctx, "storage.getCookies", map[string]any{
		"partition": map[string]any{"type": "storageKey", "userContext": p.id},
	}, &r)
	if err != nil {
		return nil, err
	}
	out := make([]Cookie, 0, len(r.Cookies))
	for _, c := range r.Cookies {
		k := Cookie{Name: c.Name, Value: c.Value.Value, Domain: c.Domain, Path: c.Path,
			Secure: c.Secure, HTTPOnly: c.HTTPOnly, SameSite: sameSite(c.SameSite)}
		if c.Expiry != nil {
			k.Expires = time.Unix(*c.Expiry, 0)
		}
		out = append(out, k)
	}
	return out, nil
}

// sameSite spells a WebDriver sameSite value ("lax", "Lax") as Cookie does.
func sameSite(s string) string {
	switch strings.ToLower(s) {
	case "strict":
		return "Strict"
	case "lax":
		return "Lax"
	case "none":
		return "None"
	}
	return ""
}

func (p *firefoxProfile) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return p.f.conn.call(ctx, "browser.removeUserContext", map[string]any{"userContext": p.id}, nil)
}

type firefoxTab struct {
	conn *bidiConn
	id   string // the browsing context
}

func (t *firefoxTab) Navigate(ctx context.Context, url string) error {
	return t.conn.call(ctx, "browsingContext.navigate", map[string]any{
		"context": t.id, "url": url, "wait": "complete",
	}, nil)
}

func (t *firefoxTab) Eval(ctx context.Context, body string) (json.RawMessage, error) {
	s, err := t.conn.evaluate(ctx, t.id, wrap(body))
	return json.RawMessage(s), err
}
