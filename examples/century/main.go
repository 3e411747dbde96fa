// Command century is fullsession's example site: a real estate listing of
// 100,000 properties whose pages come from a shared cache (Varnish) and are
// still personalised for each visitor, as the Century21 France site did with
// the original 2009 middleware.
//
// Run it with
//
//	go run ./examples/century
//
// and open http://127.0.0.1:8080 (the site prints that line when it is
// ready). It serves this machine only, since its cookies are not Secure;
// -addr :8080 serves every interface. The first run generates the property
// database (SQLite, pure Go, a few seconds) in the user cache folder; later
// runs reuse it. To run it behind Varnish as in production, see
// examples/century/README.md and varnish/run.sh.
//
// # How a cached page stays personal
//
// A property page (/properties/{id}) is rendered without ever reading the
// session, marked public with a long shared max-age by cachehint, and tagged
// property-{id}. Every visitor gets the same bytes from the cache. The page
// script reads the visitor's own cookies with jsclient and fills in "Hello
// <name>" (the Signed key "user") and the selection star (the Public key
// "selection", which the star writes in the browser without a request). The
// private page /selection is rendered on the server from the same cookie.
// When the real-time updater changes a property, it purges property-{id}.
// A POST that redirects to a cached page leaves its message ("Welcome back,
// Ann") in the Public key "flash", which the page script pops and shows once.
//
// # Configuration
//
// Every flag has an environment fallback (the flag wins):
//
//	-addr             CENTURY_ADDR              listen address (default 127.0.0.1:8080; :8080 for every interface)
//	-db               CENTURY_DB                database file (default <user cache dir>/fullsession/century.db)
//	-count            CENTURY_COUNT             properties to generate (default 100000)
//	-keys             CENTURY_SESSION_KEYS      comma-separated secrets, hex or base64, >= 32 bytes each;
//	                                            none: a random development key and a warning
//	-update-rate      CENTURY_UPDATE_RATE       property changes per second (default 3; 0 disables)
//	-varnish          CENTURY_VARNISH_URL       Varnish purge listener, e.g. http://127.0.0.1:6091 (secret: CACHEHINT_PURGE_SECRET)
//	-insecure-cookies CENTURY_INSECURE_COOKIES  cookies without Secure, for plain HTTP (default true)
//	-trusted-proxies  CENTURY_TRUSTED_PROXIES   CIDRs whose X-Forwarded-For is believed for rate limits
//	-log-level        CENTURY_LOG_LEVEL         debug, info, warn or error (default info)
//	-idle-timeout     CENTURY_IDLE_TIMEOUT      log out after this long without activity (default 30m; 0: off)
//	-database-url     CENTURY_DATABASE_URL      PostgreSQL (postgres://...) instead of the SQLite file: a fleet's shared store
//	-redis            CENTURY_REDIS_URL         Redis (redis://...) where logouts are recorded for every instance
//	-role             CENTURY_ROLE              all (default: serve, and update if elected), web, or updater
//
// -varnish takes several comma-separated purge listeners (one per Varnish
// node). `century vcl HOST:PORT...` prints the Varnish configuration of a
// fleet with those origins; fleet/run.sh starts a whole fleet (README,
// "Running a fleet").
//
// The site stops gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "vcl" {
		os.Exit(printVCL(os.Args[2:], os.Stdout, os.Stderr)) // fleet.go
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(2)
	}
}

// run starts the site and serves until ctx is done. When ready is not nil
// it receives the listening address once the site accepts connections.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, ready chan<- string) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if cfg.DevKey {
		log.Warn("no session keys configured: using a random development key. " +
			"Sessions will not survive a restart and cannot be shared between instances. " +
			"Set -keys or CENTURY_SESSION_KEYS to at least one secret of 32 random bytes (hex or base64) in production: " +
			"go run github.com/fullsession/fullsession/cmd/fullsession-keygen prints one.")
	}
	if cfg.VarnishURL == "" {
		log.Info("no purge target (-varnish): fine without a shared cache; behind one, changed properties stay cached " +
			"for up to a day. The site warns when requests come through a cache (X-Forwarded-For, Via)")
	}
	if cfg.InsecureCookies {
		log.Info("session cookies are sent without the Secure attribute (plain HTTP); set -insecure-cookies=false behind TLS")
	}

	store, err := openStore(ctx, cfg, log) // fleet.go: SQLite, or PostgreSQL with -database-url
	if err != nil {
		return err
	}
	defer store.Close()
	revokers, err := openRevokers(cfg, log) // in memory, or Redis with -redis
	if err != nil {
		return err
	}
	defer revokers.close()
	sessions, err := newManager(cfg.Keys, cfg.InsecureCookies, cfg.IdleTimeout, revokers.manager(), log)
	if err != nil {
		return err
	}
	upd := newUpdater(store, varnishPurgers(cfg.VarnishURL, cfg.PurgeSecret), cfg.UpdateRate, log)
	handler, err := newSite(siteConfig{
		Store: store, Sessions: sessions, Revoker: revokers.memory, Log: log, TrustedProxies: cfg.TrustedProxies,
		Shared: revokers.logouts(), Ready: revokers.ready, Purging: cfg.VarnishURL != "", IdleTimeout: cfg.IdleTimeout,
	})
	if err != nil {
		return err
	}
	if cfg.Role == roleUpdater {
		handler = healthOnly(handler)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("century: %w", err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	updCtx, stopUpdater := context.WithCancel(ctx)
	updDone := make(chan struct{})
	go func() { defer close(updDone); runUpdater(updCtx, cfg.Role, store, upd, log) }()
	log.Info("century is serving", "addr", ln.Addr().String(), "properties", store.Count(),
		"update_rate", cfg.UpdateRate, "varnish", cfg.VarnishURL)
	fmt.Fprintf(stderr, "open %s\n", browseURL(ln.Addr()))
	if ready != nil {
		ready <- ln.Addr().String()
	}

	select {
	case err = <-served:
		stopUpdater()
		<-updDone
		return fmt.Errorf("century: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	stopUpdater()
	<-updDone
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("century: shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// browseURL is the URL to open in a browser on this machine for the
// listener at addr: an unspecified address (":8080") is reached at
// 127.0.0.1.
func browseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
