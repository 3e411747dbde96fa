// manager.go holds Options, New and the Manager: a validated configuration,
// the levels of its keys and its middleware.

package clientsession

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Protection is how a session key's cookie is protected. The zero value is
// not a level; [New] rejects it.
type Protection uint8

const (
	// Public values are percent-encoded JSON that page scripts read and
	// write. They carry no integrity: treat them as user input.
	Public Protection = iota + 1
	// Signed values are readable by page scripts; a change made anywhere
	// but the server (or expiry, or a move to another name) makes the key
	// read as absent.
	Signed
	// Private values are sealed with an AEAD and sent HttpOnly: page
	// scripts can neither read nor change them.
	Private
)

// String returns "public", "signed" or "private".
func (p Protection) String() string {
	switch p {
	case Public:
		return "public"
	case Signed:
		return "signed"
	case Private:
		return "private"
	}
	return fmt.Sprintf("Protection(%d)", uint8(p))
}

// Limits and defaults.
const (
	// MaxCookieSize is the largest name+value a browser keeps (RFC 6265bis,
	// Chrome). Set refuses anything larger.
	MaxCookieSize = 4096
	// DefaultPrefix is prepended to every key to make its cookie name
	// when cookies are not Secure (Options.Insecure).
	DefaultPrefix = "session."
	// DefaultSecurePrefix is the default prefix of Secure cookies with
	// Path "/" and no Domain: browsers accept a "__Host-" cookie only
	// from a secure origin, host-only, for the whole site, so neither a
	// sibling subdomain nor a plain-HTTP page can plant (toss) one.
	// With a Domain or another Path, the default is "__Secure-session.".
	DefaultSecurePrefix = "__Host-" + DefaultPrefix
	// DefaultMaxAge is how long cookies (and Signed/Private values) last.
	DefaultMaxAge = 14 * 24 * time.Hour
	// DefaultMaxTotalSize bounds all session cookies together; it keeps the
	// Cookie header under nginx's and Apache's 8 KB line limits with room
	// for other cookies.
	DefaultMaxTotalSize = 6144
	// PrivatePrefix marks keys that are Private unless Options.Protection
	// says otherwise.
	PrivatePrefix = "_"

	maxMaxAge = 400 * 24 * time.Hour // browsers cap expiry at about 400 days
	maxKeyLen = 64
	// maxCookies is how many cookies (of any name) a request's Cookie
	// header is read for. Chrome and Firefox keep 180 per domain; past
	// 200 the header is crafted, and the rest is ignored (OnInvalid is
	// told once).
	maxCookies = 200
)

// Options configures a [Manager]. Only Keys is required; every other zero
// value means the default given in its comment.
type Options struct {
	// Keys are the secrets, each at least 32 random bytes. Keys[0] signs and
	// seals; the others only verify and open, so a new key goes first and
	// the old one stays until its cookies have expired or been re-sealed.
	Keys [][]byte

	// Prefix is prepended to each key to form its cookie name. Default
	// "__Host-session." (DefaultSecurePrefix), which stops cookie tossing
	// from sibling subdomains and plain-HTTP pages; "__Secure-session."
	// with a Domain or a Path other than "/"; "session." with Insecure. A
	// prefix starting with "__Host-" forces Secure, Path "/" and no Domain
	// (New rejects settings that contradict it); "__Secure-" forces
	// Secure. Changing the prefix renames every cookie: browsers send the
	// old ones until they expire, and they read as absent.
	Prefix string

	// Path of the cookies. Default "/".
	Path string

	// Domain of the cookies. Default none: host-only, which is safer.
	Domain string

	// Insecure omits the Secure attribute, for plain-HTTP development. By
	// default cookies are Secure; browsers still send those to
	// http://localhost.
	Insecure bool

	// Partitioned adds the Partitioned attribute (CHIPS), for a site
	// embedded in third-party frames: the browser keeps a separate jar
	// per top-level site. It needs Secure: New rejects it with Insecure.
	// Browsers send partitioned cookies in cross-site frames only with
	// SameSite=None.
	Partitioned bool

	// SameSite of the cookies. Default Lax. None requires Secure.
	SameSite http.SameSite

	// MaxAge is the life of the cookies and of Signed and Private values.
	// Default 14 days; at most 400 days.
	MaxAge time.Duration

	// MaxTotalSize bounds the session's cookies together, counted as they
	// appear in the Cookie header ("name=value; "). Default 6144.
	MaxTotalSize int

	// Protection sets the level of individual keys. A key not listed is
	// Private if it starts with "_" and Public otherwise.
	Protection map[string]Protection

	// OnInvalid is told about each session cookie that could not be read
	// (the key then reads as absent). err is a *FormatError and never holds
	// the cookie value. A custom hook sees every such cookie. Default: at
	// most one warning per request through log/slog, with the count and
	// the first key and reason, and at most one a second across requests
	// (the next line counts the ones suppressed), so that a Cookie header
	// full of junk cannot flood the log; Revoker failures are left to the
	// Revoker, which reports its outages itself.
	OnInvalid func(r *http.Request, key string, err error)

	// OnLateUse is told when the handler uses the session after the
	// response headers went out, for example from a template after its
	// first Write: a Set, Delete or Clear, which could not be sent and
	// returned ErrHeadersWritten; or a first read (Get, Keys) of a
	// response that went out without Vary: Cookie, which a shared cache
	// may then store for everyone although it depends on the cookie. op is
	// the method's name and key the session key ("" for Clear and Keys).
	// Default: a warning through log/slog, once per route pattern
	// (r.Pattern, else the path) and at most one a second.
	OnLateUse func(r *http.Request, op, key string)

	// Revoker, when set, voids Signed and Private values issued before
	// the subject's NotBefore time (see MemoryRevoker). Default none: a
	// copied cookie stays valid until it expires.
	Revoker Revoker

	// SubjectKey is the key whose value names the subject for Revoker.
	// Default "_auth_user_id". Setting it is a login: the session gets a
	// new session id, and every Signed and Private value is bound to it;
	// a value of another login then reads as absent (see Session.Renew
	// and FORMAT.md §5).
	SubjectKey string

	// IdleTimeout, when positive, voids a Signed or Private value that
	// has not been renewed for that long, even before MaxAge. A value that
	// a handler reads with less than half of the window left is re-sealed
	// in the same response with a new last-seen time; its absolute expiry
	// stays. Pages served from a cache do not renew. Default 0: off;
	// otherwise at least 2s.
	IdleTimeout time.Duration
}

// Manager holds a validated configuration and provides the middleware. It
// is safe for concurrent use.
type Manager struct {
	keys        []*key
	prefix      string
	path        string
	domain      string
	secure      bool
	partition   bool
	sameSite    http.SameSite
	maxAge      time.Duration
	maxTotal    int
	protect     map[string]Protection
	onInvalid   func(r *http.Request, key string, err error) // nil: invalid.go's log
	invalidLog  logLimiter
	onLateUse   func(r *http.Request, op, key string)
	revoker     Revoker
	subjectKey  string
	idleTimeout time.Duration
	attrs       string // "; Path=/; Secure; SameSite=Lax", shared by every Set-Cookie
	now         func() time.Time
}

// New validates o and returns a Manager. It reports an error for missing or
// short keys, invalid names, and contradictory cookie settings.
func New(o Options) (*Manager, error) {
	if len(o.Keys) == 0 {
		return nil, errors.New("clientsession: Options.Keys is empty; give at least one secret of 32+ random bytes")
	}
	m := &Manager{
		prefix: cmp.Or(o.Prefix, defaultPrefix(o)), path: cmp.Or(o.Path, "/"), domain: o.Domain,
		secure: !o.Insecure, partition: o.Partitioned, sameSite: o.SameSite, maxAge: o.MaxAge, maxTotal: o.MaxTotalSize,
		onInvalid: o.OnInvalid, now: time.Now,
		revoker: o.Revoker, subjectKey: cmp.Or(o.SubjectKey, DefaultSubjectKey),
		idleTimeout: o.IdleTimeout,
	}
	if o.IdleTimeout != 0 && o.IdleTimeout < 2*time.Second {
		return nil, fmt.Errorf("clientsession: IdleTimeout %v: use 0 (off) or at least 2s", o.IdleTimeout)
	}
	seen := map[[keyIDLen]byte]bool{}
	for i, s := range o.Keys {
		warnTextKey(i, s)
		k, err := deriveKey(s)
		if err != nil {
			return nil, fmt.Errorf("%w (Options.Keys[%d])", err, i)
		}
		if seen[k.id] {
			return nil, fmt.Errorf("clientsession: Options.Keys[%d] repeats an earlier key", i)
		}
		seen[k.id] = true
		m.keys = append(m.keys, k)
	}
	if !validName(m.subjectKey) {
		return nil, &keyError{where: "Options.SubjectKey: ", key: m.subjectKey}
	}
	if err := m.checkSettings(); err != nil {
		return nil, err
	}
	m.protect = make(map[string]Protection, len(o.Protection))
	for k, p := range o.Protection {
		if !validName(k) {
			return nil, &keyError{where: "Options.Protection: ", key: k}
		}
		if p < Public || p > Private {
			return nil, fmt.Errorf("clientsession: Options.Protection[%q] = %d is not Public, Signed or Private", k, p)
		}
		m.protect[k] = p
	}
	if m.revoker != nil && m.Protection(m.subjectKey) == Public {
		return nil, fmt.Errorf("clientsession: SubjectKey %q is Public; a page script could change the subject and escape revocation: make it Signed or Private", m.subjectKey)
	}
	if m.onLateUse = o.OnLateUse; m.onLateUse == nil {
		m.onLateUse = new(lateLog).report
	}
	m.attrs = m.attributes()
	return m, nil
}

func (m *Manager) checkSettings() error {
	if !validName(m.prefix) {
		return fmt.Errorf("clientsession: Prefix %q: use 1 to 64 of A-Z a-z 0-9 . _ -", m.prefix)
	}
	if !validAttr(m.path) || m.path[0] != '/' {
		return fmt.Errorf("clientsession: Path %q must start with / and hold no ; or control bytes", m.path)
	}
	if m.domain != "" && !validAttr(m.domain) {
		return fmt.Errorf("clientsession: Domain %q holds ; or control bytes", m.domain)
	}
	if strings.HasPrefix(m.prefix, "__Host-") && (!m.secure || m.path != "/" || m.domain != "") {
		return errors.New("clientsession: a __Host- prefix needs Secure (no Insecure), Path \"/\" and no Domain")
	}
	if strings.HasPrefix(m.prefix, "__Secure-") && !m.secure {
		return errors.New("clientsession: a __Secure- prefix needs Secure (no Insecure)")
	}
	if m.partition && !m.secure {
		return errors.New("clientsession: Partitioned needs Secure (no Insecure)")
	}
	switch m.sameSite {
	case 0, http.SameSiteDefaultMode:
		m.sameSite = http.SameSiteLaxMode
	case http.SameSiteNoneMode:
		if !m.secure {
			return errors.New("clientsession: SameSite=None needs Secure (no Insecure)")
		}
	case http.SameSiteLaxMode, http.SameSiteStrictMode:
	default:
		return fmt.Errorf("clientsession: unknown SameSite %d", m.sameSite)
	}
	if m.maxAge == 0 {
		m.maxAge = DefaultMaxAge
	}
	if m.maxAge < time.Second || m.maxAge > maxMaxAge {
		return fmt.Errorf("clientsession: MaxAge %v must be between 1s and 400 days", m.maxAge)
	}
	if m.maxTotal == 0 {
		m.maxTotal = DefaultMaxTotalSize
	}
	if m.maxTotal < 0 {
		return fmt.Errorf("clientsession: MaxTotalSize %d is negative", m.maxTotal)
	}
	return nil
}

// defaultPrefix returns the prefix used when o.Prefix is empty.
func defaultPrefix(o Options) string {
	switch {
	case o.Insecure:
		return DefaultPrefix
	case cmp.Or(o.Path, "/") == "/" && o.Domain == "":
		return DefaultSecurePrefix
	}
	return "__Secure-" + DefaultPrefix
}

// validAttr reports whether s can be a cookie attribute value (at most 1024
// bytes, no ";" or control bytes).
func validAttr(s string) bool {
	if len(s) == 0 || len(s) > 1024 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f || s[i] == ';' {
			return false
		}
	}
	return true
}

func (m *Manager) attributes() string {
	var b strings.Builder
	b.WriteString("; Path=")
	b.WriteString(m.path)
	if m.domain != "" {
		b.WriteString("; Domain=")
		b.WriteString(m.domain)
	}
	if m.secure {
		b.WriteString("; Secure")
	}
	switch m.sameSite {
	case http.SameSiteStrictMode:
		b.WriteString("; SameSite=Strict")
	case http.SameSiteNoneMode:
		b.WriteString("; SameSite=None")
	default:
		b.WriteString("; SameSite=Lax")
	}
	if m.partition {
		b.WriteString("; Partitioned")
	}
	return b.String()
}

// validName reports whether k is 1-64 of A-Z a-z 0-9 _ - . (FORMAT.md §1):
// a valid key or prefix.
func validName(k string) bool {
	if len(k) == 0 || len(k) > maxKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Protection reports the level of key: its Options.Protection entry, else
// Private for keys starting with "_" and Public for the rest.
func (m *Manager) Protection(key string) Protection {
	if p, ok := m.protect[key]; ok {
		return p
	}
	if strings.HasPrefix(key, PrivatePrefix) {
		return Private
	}
	return Public
}

// CookieName returns the cookie name used for key.
func (m *Manager) CookieName(key string) string { return m.prefix + key }

// ClientConfig is what page scripts need to read and write the session as
// this Manager does (package jsclient serves it). It holds no secret.
type ClientConfig struct {
	Prefix        string            `json:"prefix"`
	Path          string            `json:"path"`
	Domain        string            `json:"domain,omitempty"`
	SameSite      string            `json:"sameSite"` // "Lax", "Strict" or "None"
	Secure        bool              `json:"secure"`
	Partitioned   bool              `json:"partitioned,omitempty"`
	MaxAge        int               `json:"maxAge"`        // seconds
	MaxCookieSize int               `json:"maxCookieSize"` // name+value
	MaxTotalSize  int               `json:"maxTotalSize"`  // "name=value; " summed
	Protection    map[string]string `json:"protection"`    // explicit levels
	PrivatePrefix string            `json:"privatePrefix"` // default-Private keys
}

// ClientConfig returns the settings page scripts need. The map is a copy.
func (m *Manager) ClientConfig() ClientConfig {
	c := ClientConfig{
		Prefix: m.prefix, Path: m.path, Domain: m.domain, Secure: m.secure,
		Partitioned: m.partition,
		MaxAge:      int(m.maxAge / time.Second), MaxCookieSize: MaxCookieSize,
		MaxTotalSize: m.maxTotal, PrivatePrefix: PrivatePrefix,
		Protection: make(map[string]string, len(m.protect)),
	}
	switch m.sameSite {
	case http.SameSiteStrictMode:
		c.SameSite = "Strict"
	case http.SameSiteNoneMode:
		c.SameSite = "None"
	default:
		c.SameSite = "Lax"
	}
	for k, p := range m.protect {
		c.Protection[k] = p.String()
	}
	return c
}

// Middleware is a middleware that gives each request a *Session (see
// [From]) and writes the session's changes as Set-Cookie headers when the
// response headers are sent. It works with chi's r.Use and plain net/http.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return &middleware{m, next}
}

// middleware is the handler Middleware returns. It is a type with a
// method, not a closure that callers could inline and compile again, so
// that the request copy stays where escape analysis keeps it: on the
// stack (context.go).
type middleware struct {
	m    *Manager
	next http.Handler
}

func (h *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := &Session{m: h.m}
	s.ctx = sessionContext{r.Context(), s}
	s.reqCopy = *r.WithContext(&s.ctx) // context.go: no allocation
	r = &s.reqCopy
	s.req = r
	s.w = rw{ResponseWriter: w, s: s}
	h.next.ServeHTTP(wrap(&s.w), r)
	s.commit(w.Header())
	s.reportInvalid() // invalid.go
}
