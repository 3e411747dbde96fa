// cache.go holds everything about the shared cache: the cache policy of
// each kind of page, the tags that name what a page shows, and the purge
// of those tags after a property changes.

package main

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/examples/century/demo"
)

// Cache policies. Property pages change only through the updater, which
// purges them by tag, so shared caches may keep them for a day; browsers
// revalidate every time (max-age=0) so that a purge shows at once.
var (
	propertyPolicy = cachehint.Policy{
		SharedMaxAge: 24 * time.Hour,
		StaleIfError: 24 * time.Hour,
	}
	// Search pages list 20 properties and are tagged with each of them, so
	// a purge reaches them too; membership in a price range can still change,
	// hence the short lifetime.
	searchPolicy = cachehint.Policy{
		SharedMaxAge:         time.Minute,
		StaleWhileRevalidate: 30 * time.Second,
		StaleIfError:         time.Hour,
	}
	// Pictures depend on fixed facts of a property: cache them for long.
	picturePolicy = cachehint.Policy{
		MaxAge:       24 * time.Hour,
		SharedMaxAge: 30 * 24 * time.Hour,
	}
	staticPolicy = cachehint.Policy{
		MaxAge:       time.Hour,
		SharedMaxAge: time.Hour,
	}
)

// cacheOptions is the cachehint middleware's configuration: tags go out in
// the xkey header (Varnish's xkey vmod, as in cachehint/varnish), and a
// public route that touched the session is logged (Strict: panics).
func cacheOptions(log *slog.Logger, strict bool) cachehint.Options {
	return cachehint.Options{
		TagHeaders: []cachehint.TagHeader{cachehint.XKey},
		OnConflict: func(r *http.Request, pattern, reason string) {
			log.ErrorContext(r.Context(), "shared page downgraded to private", "pattern", pattern, "reason", reason)
		},
		Strict: strict,
	}
}

// propertyTag is the cache tag of everything that shows property id: its
// page, and every search page that lists it.
func propertyTag(id int64) string { return "property-" + strconv.FormatInt(id, 10) }

// tagProperties tags the response with every property it shows.
func tagProperties(r *http.Request, props []Property) {
	tags := make([]string, len(props))
	for i, p := range props {
		tags[i] = propertyTag(p.ID)
	}
	cachehint.Tag(r, tags...)
}

// varnishPurger returns the purger of the Varnish purge listener at url
// (varnish/run.sh: http://127.0.0.1:6091), sending secret when not empty,
// or nil (no shared cache to purge) when url is empty.
func varnishPurger(url, secret string) cachehint.Purger {
	if url == "" {
		return nil
	}
	return &cachehint.VarnishPurger{URL: url, Secret: secret, Client: &http.Client{Timeout: 5 * time.Second}}
}

// warnUnpurged is a middleware for a site without a purge target: when a
// request came through a shared cache (X-Forwarded-For set, or a Via header
// naming Varnish), it warns that changed properties stay cached until their
// shared max-age ends, on the first such request and then at most once per
// period.
func warnUnpurged(log *slog.Logger, period time.Duration) func(http.Handler) http.Handler {
	var last atomic.Int64 // UnixNano of the last warning; 0: none yet
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if viaSharedCache(r) {
				now, prev := time.Now().UnixNano(), last.Load()
				if (prev == 0 || now-prev >= int64(period)) && last.CompareAndSwap(prev, now) {
					log.WarnContext(r.Context(), "requests come through a shared cache, but no purge target is set: "+
						"changed prices stay cached for up to a day. Start the site with -varnish http://127.0.0.1:6091 "+
						"(the purge listener of varnish/run.sh, which starts both) or CENTURY_VARNISH_URL",
						"x_forwarded_for", r.Header.Get("X-Forwarded-For") != "", "via", r.Header.Get("Via"),
						"shared_max_age", propertyPolicy.SharedMaxAge)
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// viaSharedCache reports whether r came through a shared cache.
func viaSharedCache(r *http.Request) bool {
	return r.Header.Get("X-Forwarded-For") != "" ||
		strings.Contains(strings.ToLower(strings.Join(r.Header.Values("Via"), ",")), "varnish")
}

// updater changes properties and purges their pages from the shared cache,
// so that the next visitor sees the change. Run drives it with the demo's
// market; a real site would call Apply from its back office.
type updater struct {
	store  *Store
	purger cachehint.Purger // nil: no cache to purge
	rate   float64          // market changes per second
	market *demo.Market
	log    *slog.Logger

	// Counters since the last summary line.
	changes, purges, purgeErrors atomic.Int64
	warnedPurge                  atomic.Bool
}

func newUpdater(store *Store, purger cachehint.Purger, rate float64, log *slog.Logger) *updater {
	return &updater{store: store, purger: purger, rate: rate, market: demo.NewMarket(), log: logger(log)}
}

// Apply sets a property's price and status, then purges every cached page
// tagged with it. A failed purge is logged (a warning the first time) and
// counted, not returned: the change is made, and the cached pages expire
// with their shared max-age.
func (u *updater) Apply(ctx context.Context, id, price int64, status string) (Property, error) {
	p, err := u.store.Update(ctx, id, price, status)
	if err != nil {
		return p, err
	}
	u.changes.Add(1)
	u.log.Debug("property updated", "id", id, "price", price, "status", status)
	if u.purger == nil {
		return p, nil
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := u.purger.Purge(pctx, propertyTag(id)); err != nil {
		// The page stays stale until its shared max-age runs out. Warn
		// once, then count: an absent Varnish must not flood the log.
		u.purgeErrors.Add(1)
		level := slog.LevelDebug
		if !u.warnedPurge.Swap(true) {
			level = slog.LevelWarn
		}
		u.log.Log(ctx, level, "cache purge failed; pages stay stale until their shared max-age ends",
			"id", id, "tag", propertyTag(id), "err", err)
		return p, nil
	}
	u.purges.Add(1)
	return p, nil
}

// Run applies the market's changes at the updater's rate until ctx is
// done, with a summary line each minute. It returns at once when the rate
// is zero.
func (u *updater) Run(ctx context.Context) {
	if u.rate <= 0 {
		return
	}
	t := time.NewTicker(time.Duration(float64(time.Second) / u.rate))
	defer t.Stop()
	summary := time.NewTicker(time.Minute)
	defer summary.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-summary.C:
			u.log.Info("real-time updater", "changes", u.changes.Swap(0), "purges", u.purges.Swap(0),
				"purge_errors", u.purgeErrors.Swap(0), "period", time.Minute)
		case <-t.C:
			if err := u.step(ctx); err != nil && ctx.Err() == nil {
				u.log.Warn("property update failed", "err", err)
			}
		}
	}
}

// step applies one market change.
func (u *updater) step(ctx context.Context) error {
	c := u.market.Next(u.store.Count())
	p, err := u.store.Get(ctx, c.ID)
	if err != nil {
		return err
	}
	price, status := c.Apply(p.Price, p.Status)
	_, err = u.Apply(ctx, c.ID, price, status)
	return err
}
