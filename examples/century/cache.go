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
//
// Purges go through the transactional outbox (outbox.go): Apply writes
// the change and a record of its purge in one transaction, then hands the
// tag to a cachehint.PurgeQueue, which retries each cache on its own and
// deletes the record only once every cache confirmed. Records left by a
// process that died before its purges went out are sent when the next
// updater starts (PurgeQueue.Run loads them). In a fleet exactly one
// instance runs the updater (Store.lead).
type updater struct {
	store  *Store
	queue  *cachehint.PurgeQueue // nil: no cache to purge
	rate   float64               // market changes per second
	market *demo.Market
	log    *slog.Logger

	running atomic.Bool  // Run is running: the queue sends in the background
	changes atomic.Int64 // since the last summary line
}

// purgeQueueOptions suit caches on the same network: a cache that was
// down is retried at least every 2 s, so it is fresh soon after it returns.
func purgeQueueOptions(store *Store, log *slog.Logger) cachehint.PurgeQueueOptions {
	return cachehint.PurgeQueueOptions{
		MinBackoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second, Timeout: 5 * time.Second,
		Outbox: store.Outbox(), Logger: log,
	}
}

func newUpdater(store *Store, purger cachehint.Purger, rate float64, log *slog.Logger) *updater {
	u := &updater{store: store, rate: rate, market: demo.NewMarket(), log: logger(log)}
	if purger != nil {
		u.queue = cachehint.NewPurgeQueue(purger, purgeQueueOptions(store, u.log))
	}
	return u
}

// Apply sets a property's price and status and records the purge of every
// cached page tagged with it, in one transaction. While Run runs, the
// purge leaves in the background; otherwise (a one-off change) Apply sends
// it before returning, for up to 5 s. A purge that fails is not an error
// of Apply: the change is made, the queue and the outbox keep the purge,
// and the queue logs the failing cache once.
func (u *updater) Apply(ctx context.Context, id, price int64, status string) (Property, error) {
	var tags []string
	if u.queue != nil {
		tags = []string{propertyTag(id)}
	}
	p, err := u.store.Update(ctx, id, price, status, tags...)
	if err != nil {
		return p, err
	}
	u.changes.Add(1)
	u.log.Debug("property updated", "id", id, "price", price, "status", status)
	if u.queue == nil {
		return p, nil
	}
	u.queue.Enqueue(tags...)
	if !u.running.Load() {
		fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		u.queue.Flush(fctx) // a failure is logged by the queue; the outbox keeps the purge
	}
	return p, nil
}

// Pending returns the number of tags some cache has not confirmed yet.
func (u *updater) Pending() int {
	if u.queue == nil {
		return 0
	}
	return u.queue.Pending()
}

// Run sends the purge queue (first the outbox's leftovers) and applies the
// market's changes at the updater's rate until ctx is done, with a summary
// line each minute. Then it flushes the queue for up to 5 s: what is left
// stays in the outbox for the next updater.
func (u *updater) Run(ctx context.Context) {
	if u.queue == nil && u.rate <= 0 {
		return
	}
	u.running.Store(true)
	defer u.running.Store(false)
	queued := make(chan struct{})
	if u.queue != nil {
		go func() {
			defer close(queued)
			if err := u.queue.Run(ctx); err != nil {
				u.log.Error("purge queue stopped; the outbox keeps the purges for the next start", "err", err)
			}
		}()
		defer func() {
			<-queued
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := u.queue.Flush(fctx); err != nil {
				u.log.Warn("purges left unconfirmed at stop; the outbox keeps them", "err", err)
			}
		}()
	} else {
		close(queued)
	}
	if u.rate <= 0 {
		<-ctx.Done()
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
			u.log.Info("real-time updater", "changes", u.changes.Swap(0), "purges_pending", u.Pending(), "period", time.Minute)
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
