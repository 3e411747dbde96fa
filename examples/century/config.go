package main

import (
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fullsession/fullsession/clientsession"
)

// config is the command line, after environment fallbacks.
type config struct {
	Addr            string
	DB              string
	Keys            [][]byte
	DevKey          bool // Keys holds one random key generated at start-up
	UpdateRate      float64
	VarnishURL      string
	PurgeSecret     string // CACHEHINT_PURGE_SECRET, the variable varnishd reads too; never a flag (ps shows flags)
	Count           int64
	InsecureCookies bool
	TrustedProxies  []string
	LogLevel        slog.Level
	ShutdownTimeout time.Duration
	// IdleTimeout logs a user out after this long without a request that
	// reads the login (clientsession Options.IdleTimeout); 0: off.
	IdleTimeout time.Duration
	// Fleet mode (fleet.go).
	DatabaseURL string // PostgreSQL instead of the SQLite file DB
	RedisURL    string // revocations shared through Redis
	Role        string // roleAll, roleWeb or roleUpdater
}

// errUsage is returned when the command line asked for help or was wrong;
// the flag package has already printed why.
var errUsage = errors.New("century: usage")

// envOf names the environment variable that gives each flag its value when
// the command line does not set it.
var envOf = map[string]string{
	"addr":             "CENTURY_ADDR",
	"db":               "CENTURY_DB",
	"keys":             "CENTURY_SESSION_KEYS",
	"update-rate":      "CENTURY_UPDATE_RATE",
	"varnish":          "CENTURY_VARNISH_URL",
	"count":            "CENTURY_COUNT",
	"insecure-cookies": "CENTURY_INSECURE_COOKIES",
	"trusted-proxies":  "CENTURY_TRUSTED_PROXIES",
	"log-level":        "CENTURY_LOG_LEVEL",
	"idle-timeout":     "CENTURY_IDLE_TIMEOUT",
	"database-url":     "CENTURY_DATABASE_URL",
	"redis":            "CENTURY_REDIS_URL",
	"role":             "CENTURY_ROLE",
}

// defaultIdleTimeout is the OWASP session cheat sheet's upper bound for
// low-risk applications ("15-30 minutes"): a listing site whose login
// keeps a name and a selection. The page script renews it while the user
// is active on cached pages (century.js), and MaxAge (14 days) still
// bounds a session in any case.
const defaultIdleTimeout = 30 * time.Minute

// parseConfig reads flags from args. A flag absent from args takes its
// value from its environment variable (envName) when that is set, else its
// default: the command line wins over the environment.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (config, error) {
	c := config{ShutdownTimeout: 10 * time.Second}
	var keys, proxies string
	fs := flag.NewFlagSet("century", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "listen address; the default serves this machine only (the cookies are not Secure): use :8080 for every interface")
	fs.StringVar(&c.DB, "db", defaultDBPath(), "SQLite database file, generated on first run")
	fs.StringVar(&keys, "keys", "", "comma-separated session secrets, hex or base64, at least 32 bytes each; the first signs and seals, the others are only accepted (rotation); none: a random development key")
	fs.Float64Var(&c.UpdateRate, "update-rate", 3, "property price/status changes per second made by the real-time updater; 0 disables it")
	fs.StringVar(&c.VarnishURL, "varnish", "", "Varnish purge listener to send tag purges to when a property changes, e.g. http://127.0.0.1:6091 (varnish/run.sh); the secret comes from CACHEHINT_PURGE_SECRET; empty: no purges")
	fs.Int64Var(&c.Count, "count", 100_000, "number of properties to generate")
	fs.BoolVar(&c.InsecureCookies, "insecure-cookies", true, "send session cookies without the Secure attribute, for plain-HTTP development; set false behind TLS (cookies then use the __Host- prefix)")
	fs.StringVar(&proxies, "trusted-proxies", "", "comma-separated CIDRs of proxies (e.g. Varnish: 127.0.0.1/32) whose X-Forwarded-For gives the client address for rate limits; empty: the TCP peer is the client")
	fs.TextVar(&c.LogLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn or error")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", defaultIdleTimeout, "log a user out after this long without activity (the page script renews while the user is active); 0: off, else at least 2s")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL (postgres://...) shared by a fleet of instances, instead of the SQLite file of -db")
	fs.StringVar(&c.RedisURL, "redis", "", "Redis URL (redis://...) where logouts are recorded for every instance; empty: in this process's memory")
	fs.StringVar(&c.Role, "role", roleAll, "all: serve and take part in the election of the one updater; web: serve only; updater: update only (and /healthz)")
	fs.VisitAll(func(f *flag.Flag) { f.Usage += " (env " + envOf[f.Name] + ")" })
	if err := fs.Parse(args); err != nil {
		return c, errUsage
	}
	if err := setFromEnv(fs, getenv); err != nil {
		return c, err
	}
	c.PurgeSecret = getenv("CACHEHINT_PURGE_SECRET")
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
	if strings.TrimSpace(keys) == "" {
		c.Keys, c.DevKey = [][]byte{make([]byte, clientsession.MinKeySize)}, true
		rand.Read(c.Keys[0])
		return c, nil
	}
	var err error
	if c.Keys, err = clientsession.ParseKeys(keys); err != nil {
		return c, fmt.Errorf("century: -keys (%s): %w", envOf["keys"], err)
	}
	return c, nil
}

// setFromEnv gives every flag that args did not set the value of its
// environment variable, when that is not empty. The value is never echoed
// in the error: it may be a secret.
func setFromEnv(fs *flag.FlagSet, getenv func(string) string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := envOf[f.Name]
		v := getenv(env)
		if err != nil || set[f.Name] || env == "" || v == "" {
			return
		}
		if e := fs.Set(f.Name, v); e != nil {
			err = fmt.Errorf("century: %s: %v", env, e)
		}
	})
	return err
}

func (c *config) check() error {
	switch {
	case c.Count < 1:
		return fmt.Errorf("century: -count must be at least 1, got %d", c.Count)
	case c.UpdateRate < 0 || c.UpdateRate > 1000:
		return fmt.Errorf("century: -update-rate must be between 0 and 1000, got %v", c.UpdateRate)
	case c.DB == "":
		return errors.New("century: -db must not be empty")
	case c.IdleTimeout < 0 || c.IdleTimeout > 0 && c.IdleTimeout < 2*time.Second:
		return fmt.Errorf("century: -idle-timeout must be 0 (off) or at least 2s, got %v", c.IdleTimeout)
	case c.Role != roleAll && c.Role != roleWeb && c.Role != roleUpdater:
		return fmt.Errorf("century: -role must be all, web or updater, got %q", c.Role)
	case c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://"):
		return errors.New("century: -database-url must be a postgres:// URL") // never echoed: it may hold a password
	case c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://"):
		return errors.New("century: -redis must be a redis:// or rediss:// URL")
	}
	for _, v := range strings.Split(c.VarnishURL, ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("century: -varnish must be comma-separated http(s) URLs, got %q", v)
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
