package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// config is the command line, after environment fallbacks.
type config struct {
	Addr            string
	DB              string
	Keys            [][]byte
	DevKey          bool // Keys holds one random key generated at start-up
	UpdateRate      float64
	VarnishURL      string
	Count           int64
	InsecureCookies bool
	TrustedProxies  []string
	LogLevel        slog.Level
	ShutdownTimeout time.Duration
}

// errUsage is returned when the command line asked for help or was wrong;
// the flag package has already printed why.
var errUsage = errors.New("century: usage")

// envFlag ties a flag to the environment variable that gives its default.
type envFlag struct {
	name, env, usage string
	value            flag.Value
	secret           bool // never shown as a default in -h
}

// parseConfig reads flags from args; an environment variable named in the
// usage text gives a flag its default, and the flag wins over it.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (config, error) {
	c := config{
		Addr:            ":8080",
		DB:              defaultDBPath(),
		UpdateRate:      3,
		Count:           100_000,
		InsecureCookies: true,
		ShutdownTimeout: 10 * time.Second,
	}
	var keys, proxies string
	fs := flag.NewFlagSet("century", flag.ContinueOnError)
	fs.SetOutput(out)
	flags := []envFlag{
		{"addr", "CENTURY_ADDR", "listen address", (*stringValue)(&c.Addr), false},
		{"db", "CENTURY_DB", "SQLite database file, generated on first run", (*stringValue)(&c.DB), false},
		{"keys", "CENTURY_SESSION_KEYS", "comma-separated session secrets, hex or base64, at least 32 bytes each; the first signs and seals, the others are only accepted (rotation); none: a random development key", (*stringValue)(&keys), true},
		{"update-rate", "CENTURY_UPDATE_RATE", "property price/status changes per second made by the real-time updater; 0 disables it", (*floatValue)(&c.UpdateRate), false},
		{"varnish", "CENTURY_VARNISH_URL", "Varnish purge listener to send tag purges to when a property changes, e.g. http://127.0.0.1:6091 (varnish/run.sh); the secret comes from CACHEHINT_PURGE_SECRET; empty: no purges", (*stringValue)(&c.VarnishURL), false},
		{"count", "CENTURY_COUNT", "number of properties to generate", (*int64Value)(&c.Count), false},
		{"insecure-cookies", "CENTURY_INSECURE_COOKIES", "send session cookies without the Secure attribute, for plain-HTTP development; set false behind TLS (cookies then use the __Host- prefix)", (*boolValue)(&c.InsecureCookies), false},
		{"trusted-proxies", "CENTURY_TRUSTED_PROXIES", "comma-separated CIDRs of proxies (e.g. Varnish: 127.0.0.1/32) whose X-Forwarded-For gives the client address for rate limits; empty: the TCP peer is the client", (*stringValue)(&proxies), false},
		{"log-level", "CENTURY_LOG_LEVEL", "log level: debug, info, warn or error", (*levelValue)(&c.LogLevel), false},
	}
	for _, f := range flags {
		if v := getenv(f.env); v != "" && !f.secret {
			if err := f.value.Set(v); err != nil {
				return c, fmt.Errorf("century: %s=%q: %v", f.env, v, err)
			}
		}
		fs.Var(f.value, f.name, f.usage+" (env "+f.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return c, errUsage
	}
	if keys == "" {
		keys = getenv("CENTURY_SESSION_KEYS")
	}
	for _, p := range strings.Split(proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, err := netip.ParsePrefix(p); err != nil {
			return c, fmt.Errorf("century: -trusted-proxies: %q is not a CIDR prefix", p)
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("century: unexpected arguments %q", fs.Args())
	}
	if err := c.check(); err != nil {
		return c, err
	}
	var err error
	if c.Keys, err = parseKeys(keys); err != nil {
		return c, err
	}
	if len(c.Keys) == 0 {
		c.Keys, c.DevKey = [][]byte{make([]byte, 32)}, true
		rand.Read(c.Keys[0])
	}
	return c, nil
}

func (c *config) check() error {
	switch {
	case c.Count < 1:
		return fmt.Errorf("century: -count must be at least 1, got %d", c.Count)
	case c.UpdateRate < 0 || c.UpdateRate > 1000:
		return fmt.Errorf("century: -update-rate must be between 0 and 1000, got %v", c.UpdateRate)
	case c.DB == "":
		return errors.New("century: -db must not be empty")
	}
	if c.VarnishURL != "" {
		u, err := url.Parse(c.VarnishURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("century: -varnish must be an http(s) URL, got %q", c.VarnishURL)
		}
	}
	return nil
}

// defaultDBPath is century.db in the user's cache folder, so that `go run`
// from any directory reuses one generated file and leaves no file in the
// work tree; it falls back to the working directory.
func defaultDBPath() string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "fullsession", "century.db")
	}
	return "century.db"
}

// parseKeys decodes comma-separated secrets, each hex or base64 (standard or
// URL alphabet, padded or not).
func parseKeys(s string) ([][]byte, error) {
	var keys [][]byte
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, err := decodeSecret(part)
		if err != nil {
			return nil, fmt.Errorf("century: session key %d: %v", i+1, err)
		}
		if len(k) < 32 {
			return nil, fmt.Errorf("century: session key %d is %d bytes, want at least 32", i+1, len(k))
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func decodeSecret(s string) ([]byte, error) {
	if k, err := hex.DecodeString(s); err == nil {
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			return k, nil
		}
	}
	return nil, errors.New("neither hex nor base64")
}

type (
	stringValue string
	floatValue  float64
	int64Value  int64
	boolValue   bool
)

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string {
	if v == nil {
		return ""
	}
	return string(*v)
}

func (v *floatValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errors.New("not a number")
	}
	*v = floatValue(f)
	return nil
}
func (v *floatValue) String() string {
	if v == nil {
		return "0"
	}
	return strconv.FormatFloat(float64(*v), 'g', -1, 64)
}

func (v *int64Value) Set(s string) error {
	n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	if err != nil {
		return errors.New("not an integer")
	}
	*v = int64Value(n)
	return nil
}
func (v *int64Value) String() string {
	if v == nil {
		return "0"
	}
	return strconv.FormatInt(int64(*v), 10)
}

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("not a boolean")
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string {
	if v == nil {
		return "false"
	}
	return strconv.FormatBool(bool(*v))
}
func (v *boolValue) IsBoolFlag() bool { return true }

type levelValue slog.Level

func (v *levelValue) Set(s string) error {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return errors.New("not a log level (debug, info, warn, error)")
	}
	*v = levelValue(l)
	return nil
}
func (v *levelValue) String() string {
	if v == nil {
		return "INFO"
	}
	return slog.Level(*v).String()
}
