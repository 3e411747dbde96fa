// redisrevoke.go holds Options, the constructors, Revoke, NotBefore and Close.

package redisrevoke

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/redis/rueidis"
)

// DefaultPrefix is the key prefix used when Options.Prefix is empty.
const DefaultPrefix = "fullsession:revoke:"

// Defaults of the Options fields left zero.
const (
	DefaultTimeout   = time.Second
	DefaultCacheTTL  = time.Minute
	DefaultCacheSize = 32 << 20 // bytes
)

// ErrUnavailable is wrapped by the errors of NotBefore and Revoke when
// Redis cannot be reached. Callers can test for it with errors.Is.
var ErrUnavailable = errors.New("redisrevoke: redis unavailable")

var (
	errEmptySubject = errors.New("redisrevoke: empty subject")
	errClosed       = errors.New("redisrevoke: Revoker closed")
)

// Options configure a Revoker. The zero value of every field but URL works.
type Options struct {
	// URL locates Redis: redis://[user:password@]host:port/db,
	// rediss:// for TLS or unix://path. Required by New; ignored by
	// NewWithClient. Redis 6 or later is needed (RESP3 client tracking).
	URL string

	// MaxAge is the Manager's MaxAge: how long a revocation is kept. Each
	// entry expires in Redis MaxAge after its revocation time, when every
	// value issued before it has expired too. Default:
	// clientsession.DefaultMaxAge.
	MaxAge time.Duration

	// Prefix is put before each subject to form its Redis key.
	// Default: DefaultPrefix.
	Prefix string

	// FailOpenFor is how long, from the first failed lookup of an
	// outage, NotBefore answers "not revoked" instead of failing. Zero,
	// the default, fails closed at once: while Redis is unreachable every
	// Signed and Private value of a subject-bearing session reads as
	// absent. A positive window keeps users logged in through short
	// outages at the price of accepting revoked cookies during it.
	FailOpenFor time.Duration

	// Timeout bounds connecting to Redis and waiting for a reply. An idle
	// connection is PINGed every Timeout/2, so one that went silent (a
	// network partition) is given up within about three times Timeout; until
	// then the local cache answers, without the invalidations Redis
	// cannot deliver. Default: DefaultTimeout.
	Timeout time.Duration

	// CacheTTL is how long a looked-up answer, "revoked at t" or "not
	// revoked", is kept in this process at most. Redis invalidates it
	// sooner when the entry changes; the TTL is a safety net and
	// bounds memory with CacheSize. Default: DefaultCacheTTL.
	CacheTTL time.Duration

	// CacheSize bounds the memory of the local cache, in bytes; the
	// least recently used answers are dropped first. Default:
	// DefaultCacheSize. Ignored by NewWithClient.
	CacheSize int

	// Logger receives one error when an outage starts, one when a
	// FailOpenFor window ends and one when Redis is back.
	// Default: slog.Default().
	Logger *slog.Logger
}

// Revoker is a clientsession.Revoker shared by every server that uses the
// same Redis. It is safe for concurrent use.
type Revoker struct {
	c        rueidis.Client
	own      bool // Close closes c
	prefix   string
	maxAge   time.Duration
	cacheTTL time.Duration
	health   health
}

var _ clientsession.Revoker = (*Revoker)(nil)

// revokeScript records ARGV[1] (Unix ms) unless a later revocation is
// already there, and makes the key expire at ARGV[2] (Unix ms). Revocations
// only move forward, so two servers racing cannot undo each other.
var revokeScript = rueidis.NewLuaScript(`
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(cur) and tonumber(cur) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
return 1
`)

// New returns a Revoker connected to o.URL. It fails only on a bad URL or
// option: an unreachable Redis at start is an outage like any other (see
// the package doc), so a fleet can restart while Redis is down.
func New(o Options) (*Revoker, error) {
	if o.URL == "" {
		return nil, errors.New("redisrevoke: Options.URL is empty")
	}
	co, err := rueidis.ParseURL(o.URL)
	if err != nil {
		return nil, fmt.Errorf("redisrevoke: bad Options.URL: %w", err)
	}
	o = o.withDefaults()
	co.ForceSingleClient = true // a client even while Redis is down
	co.DisableRetry = true      // fail within Timeout; the caller decides
	co.PipelineMultiplex = -1   // one connection, so one local cache
	co.CacheSizeEachConn = o.CacheSize
	co.Dialer.Timeout = o.Timeout
	co.Dialer.KeepAlive = o.Timeout / 2 // also rueidis' PING interval
	co.ConnWriteTimeout = o.Timeout
	co.ClientName = "fullsession-redisrevoke"
	c, err := rueidis.NewClient(co)
	if c == nil {
		return nil, fmt.Errorf("redisrevoke: %w", err)
	}
	r := newRevoker(c, o)
	r.own = true
	if err != nil {
		r.health.failed(time.Now(), err)
	}
	return r, nil
}

// NewWithClient returns a Revoker that uses a client the application
// already has. The client must keep client-side caching on (rueidis'
// default; not DisableCache, not AlwaysRESP2), or every NotBefore costs a
// round trip. Close leaves the client open.
func NewWithClient(c rueidis.Client, o Options) *Revoker {
	return newRevoker(c, o.withDefaults())
}

func newRevoker(c rueidis.Client, o Options) *Revoker {
	r := &Revoker{c: c, prefix: o.Prefix, maxAge: o.MaxAge, cacheTTL: o.CacheTTL}
	r.health.log = o.Logger
	r.health.failOpenFor = o.FailOpenFor
	return r
}

func (o Options) withDefaults() Options {
	if o.MaxAge <= 0 {
		o.MaxAge = clientsession.DefaultMaxAge
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = DefaultCacheTTL
	}
	if o.CacheSize <= 0 {
		o.CacheSize = DefaultCacheSize
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Revoke voids every Signed and Private value issued to subject before at,
// on every server that shares this Redis. Call it at logout or password
// change with time.Now(); at is kept to the millisecond. A revocation
// earlier than one already recorded changes nothing. The entry expires
// MaxAge after at.
//
// Revoke returns an error, wrapping ErrUnavailable when Redis cannot be
// reached, if the revocation may not have been recorded: the caller must
// then not tell the user that their other sessions are closed.
func (r *Revoker) Revoke(ctx context.Context, subject string, at time.Time) error {
	if subject == "" {
		return errEmptySubject
	}
	if at.IsZero() {
		return errors.New("redisrevoke: zero revocation time")
	}
	ms := at.UnixMilli()
	exp := at.Add(r.maxAge).UnixMilli()
	err := revokeScript.Exec(ctx, r.c, []string{r.prefix + subject},
		[]string{strconv.FormatInt(ms, 10), strconv.FormatInt(exp, 10)}).Error()
	switch {
	case err == nil:
		r.health.ok()
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("redisrevoke: revoke %q: %w", subject, ctx.Err())
	case errors.Is(err, rueidis.ErrClosing):
		return errClosed
	case isReplyError(err):
		r.health.ok()
		return fmt.Errorf("redisrevoke: revoke %q: %w", subject, err)
	}
	r.health.failed(time.Now(), err)
	return fmt.Errorf("%w: revoke %q not recorded: %v", ErrUnavailable, subject, err)
}

// NotBefore implements clientsession.Revoker. It returns the subject's
// revocation time, or the zero time if there is none, from this process's
// cache when the subject was looked up before: no round trip to Redis.
// Redis tells the cache when an entry changes (RESP3 client tracking), so
// a Revoke on another server is seen within a network round trip.
//
// While Redis is unreachable it fails with an error wrapping
// ErrUnavailable, so the session's Signed and Private values read as
// absent, except during the first Options.FailOpenFor of an outage, when
// it returns the zero time.
func (r *Revoker) NotBefore(ctx context.Context, subject string) (time.Time, error) {
	if subject == "" {
		return time.Time{}, nil // Revoke refuses it, so never revoked
	}
	if r.health.isDown() {
		if !r.health.mayProbe(time.Now()) {
			return r.health.unavailable(time.Now(), nil)
		}
		defer r.health.endProbe()
	}
	res := r.c.DoCache(ctx, r.c.B().Get().Key(r.prefix+subject).Cache(), r.cacheTTL)
	v, err := res.ToString()
	switch {
	case err == nil:
		r.health.ok()
		ms, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil {
			err = fmt.Errorf("redisrevoke: subject %q: bad entry %q", subject, v)
			r.health.replyError(time.Now(), err)
			return time.Time{}, err
		}
		return time.UnixMilli(ms), nil
	case rueidis.IsRedisNil(err):
		r.health.ok()
		return time.Time{}, nil
	case ctx.Err() != nil:
		return time.Time{}, ctx.Err()
	case errors.Is(err, rueidis.ErrClosing):
		return time.Time{}, errClosed
	case isReplyError(err):
		r.health.ok()
		err = fmt.Errorf("redisrevoke: subject %q: %w", subject, err)
		r.health.replyError(time.Now(), err)
		return time.Time{}, err
	}
	return r.health.unavailable(time.Now(), err)
}

// Close closes the connection to Redis if New made it. NotBefore and
// Revoke fail after Close.
func (r *Revoker) Close() error {
	if r.own {
		r.c.Close()
	}
	return nil
}

// isReplyError reports whether err is an error reply from a working Redis
// (a wrong type at the key, say) rather than a sign of an outage.
func isReplyError(err error) bool {
	re, ok := rueidis.IsRedisErr(err)
	return ok && !re.IsLoading() && !re.IsClusterDown() && !re.IsTryAgain()
}
