// mapping.go holds the Mapping that says where each old value goes, the
// Result a migration reports, and the steps shared by every source store.

package migrate

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"github.com/fullsession/fullsession/clientsession"
)

// Key says where one old session value goes.
type Key struct {
	// To is the clientsession key the value is written to. Empty keeps the
	// old name.
	To string
	// Protection, when set, is the level the value must get. Construction
	// panics when Mapping.Manager gives To another level, so that a secret
	// cannot land in a Public key by mistake. Zero accepts the Manager's
	// rule (keys starting with "_" are Private, and so on).
	Protection clientsession.Protection
	// Convert, when set, turns the old value into what is stored, for
	// example a gob-registered struct into a JSON-friendly one. An error
	// drops this key only. Nil stores the old value as it is (Session.Set
	// encodes it as JSON).
	Convert func(old any) (any, error)
}

// Mapping says, per old key, what the migration does with it. Old keys it
// does not name are dropped and counted in Result.Unmapped.
type Mapping struct {
	// Keys maps an old session key to its new place.
	Keys map[string]Key
	// Manager is the clientsession Manager the new keys belong to. It is
	// needed when a Key names a Protection, and is then checked at
	// construction.
	Manager *clientsession.Manager
	// KeepOld leaves the old cookie and its server-side entry in place after
	// migrating: use it while old and new instances run side by side (see
	// the package doc). Requests that already carry the new keys are then
	// left alone.
	KeepOld bool
	// Grace is how long this process remembers a migrated old cookie, so
	// that parallel requests carrying it (a page and its assets) all get the
	// same session although the first one destroyed the old entry. Within
	// it, a copy of the old cookie sent to this process still migrates: keep
	// it short. Zero means 5 seconds; a negative value turns it off.
	Grace time.Duration
	// Logger receives one line per migration that dropped a key (naming the
	// key, never its value) and one per store failure. Nil means
	// slog.Default(). Undecodable old cookies are counted, not logged: they
	// are attacker-controlled.
	Logger *slog.Logger
	// OnResult, when set, is called once for every request that carried the
	// old cookie: the hook for metrics.
	OnResult func(r *http.Request, res Result)
}

// Result is what one request's migration did.
type Result struct {
	// Source is "gorilla" or "scs".
	Source string
	// Migrated lists, sorted, the new keys written in this response.
	Migrated []string
	// Dropped lists the old values that were not carried over, and why.
	Dropped []Dropped
	// Unmapped counts old keys the Mapping does not name.
	Unmapped int
	// Undecodable is true when the old cookie did not decode (wrong key,
	// expired, tampered, unknown token): it was removed, nothing migrated.
	Undecodable bool
	// Already is true when the request carried the new keys already; the
	// old cookie was then only removed (unless KeepOld).
	Already bool
	// Err is a failure of the old store (for example Redis down). Nothing
	// was removed then, so the next request tries again.
	Err error
}

// Dropped names one old value that was not migrated.
type Dropped struct {
	Key    string // the old key
	Reason string // "too large", "convert: ...", "set: ..."
}

// value is one converted value, ready for Session.Set.
type value struct {
	to string
	v  any
}

// plan is a Mapping checked and ready to apply.
type plan struct {
	Mapping
	log    *slog.Logger
	flight *flights
}

func newPlan(mp Mapping) *plan {
	for old, k := range mp.Keys {
		to := k.To
		if to == "" {
			to = old
		}
		if k.Protection == 0 {
			continue
		}
		if mp.Manager == nil {
			panic(fmt.Sprintf("migrate: key %q names a Protection: set Mapping.Manager so it can be checked", old))
		}
		if got := mp.Manager.Protection(to); got != k.Protection {
			panic(fmt.Sprintf("migrate: key %q -> %q must be %v, but the Manager makes it %v: add it to Options.Protection",
				old, to, k.Protection, got))
		}
	}
	p := &plan{Mapping: mp, log: mp.Logger}
	if p.log == nil {
		p.log = slog.Default()
	}
	grace := mp.Grace
	if grace == 0 {
		grace = 5 * time.Second
	}
	if grace > 0 {
		p.flight = newFlights(grace)
	}
	return p
}

// convert maps the old values. Unmapped and failed keys go into res.
func (p *plan) convert(old map[string]any, res *Result) []value {
	names := make([]string, 0, len(old))
	for k := range old {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]value, 0, len(names))
	for _, name := range names {
		k, ok := p.Keys[name]
		if !ok {
			res.Unmapped++
			continue
		}
		v := old[name]
		if k.Convert != nil {
			nv, err := k.Convert(v)
			if err != nil {
				res.Dropped = append(res.Dropped, Dropped{Key: name, Reason: "convert: " + err.Error()})
				continue
			}
			v = nv
		}
		out = append(out, value{to: cmpOr(k.To, name), v: v})
	}
	return out
}

// write sets the converted values in the new session.
func (p *plan) write(s *clientsession.Session, vals []value, old map[string]string, res *Result) {
	for _, v := range vals {
		err := s.Set(v.to, v.v)
		switch {
		case err == nil:
			res.Migrated = append(res.Migrated, v.to)
		case errors.Is(err, clientsession.ErrTooLarge):
			res.Dropped = append(res.Dropped, Dropped{Key: old[v.to], Reason: "too large"})
		default:
			res.Dropped = append(res.Dropped, Dropped{Key: old[v.to], Reason: "set: " + err.Error()})
		}
	}
	sort.Strings(res.Migrated)
}

// already reports whether the request carries any of the new keys.
func (p *plan) already(s *clientsession.Session) bool {
	have := s.Keys()
	for old, k := range p.Keys {
		to := cmpOr(k.To, old)
		i := sort.SearchStrings(have, to)
		if i < len(have) && have[i] == to {
			return true
		}
	}
	return false
}

// oldNames maps each new key back to its old name, for messages.
func (p *plan) oldNames() map[string]string {
	m := make(map[string]string, len(p.Keys))
	for old, k := range p.Keys {
		m[cmpOr(k.To, old)] = old
	}
	return m
}

// report logs what must be logged and calls OnResult.
func (p *plan) report(r *http.Request, res Result) {
	if res.Err != nil {
		p.log.Error("migrate: old session store failed; the old cookie is kept and tried again",
			"source", res.Source, "err", res.Err)
	}
	for _, d := range res.Dropped {
		p.log.Warn("migrate: old session value not migrated", "source", res.Source, "key", d.Key, "reason", d.Reason)
	}
	if p.OnResult != nil {
		p.OnResult(r, res)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
