// idle.go counts the renewals of an idle-timed login (-idle-timeout): the
// responses that re-seal a visitor's _auth_user_id without a login, and the
// Set-Cookie bytes they cost. It also keeps, per visitor, when the site last
// saw the login, so that the checks accept a login the idle timeout ended
// (the simulated users run no page script, which would renew it).

package main

import (
	"strings"
	"time"
)

// The idle-timed values of the site: its Private login and Signed name.
const (
	authCookie = cookiePrefix + "_auth_user_id="
	userCookie = cookiePrefix + "user="
)

// idleStats are a day's renewal counters.
type idleStats struct {
	renewals     int // responses re-sealing _auth_user_id outside a login
	renewalLines int // their Set-Cookie lines of _auth_user_id and user
	renewalBytes int // and bytes ("Set-Cookie: " + value + CRLF)
	idleOuts     int // logins found ended by the idle timeout on /selection
}

// idleSummary is idleStats in the JSON result.
type idleSummary struct {
	TimeoutSeconds   float64 `json:"timeout_seconds"`
	Renewals         int     `json:"renewals"` // responses re-sealing _auth_user_id outside a login
	PerThousandViews float64 `json:"renewals_per_1000_views"`
	SetCookies       int     `json:"set_cookie_lines"`
	Bytes            int     `json:"set_cookie_bytes"`
	IdleLogouts      int     `json:"idle_logouts"` // logins a private page showed ended
}

// summary returns s for the JSON result; nil without an idle timeout.
func (s idleStats) summary(timeout time.Duration, views int) *idleSummary {
	if timeout <= 0 {
		return nil
	}
	return &idleSummary{TimeoutSeconds: timeout.Seconds(), Renewals: s.renewals,
		PerThousandViews: 1000 * ratio(float64(s.renewals), float64(views)),
		SetCookies:       s.renewalLines, Bytes: s.renewalBytes, IdleLogouts: s.idleOuts}
}

func (s *idleStats) add(o idleStats) {
	s.renewals += o.renewals
	s.renewalLines += o.renewalLines
	s.renewalBytes += o.renewalBytes
	s.idleOuts += o.idleOuts
}

// noteSeen records, after a response to a request sent at start and read
// completely at end, whether it (re-)sealed the login: then the site's
// last-seen time of v's login lies in [start, end].
func (w *worker) noteSeen(v *visitor, k kind, sc []string, start, end time.Time) {
	sealed := false
	for _, l := range sc {
		if strings.HasPrefix(l, authCookie) && !strings.HasPrefix(l, authCookie+";") && !strings.Contains(l, "Max-Age=0") {
			sealed = true
		}
	}
	if !sealed {
		return
	}
	v.seenLo, v.seenHi, v.idledOut = start, end, false
	if k == kLogin {
		return
	}
	w.st.idle.renewals++
	for _, l := range sc {
		if !strings.HasPrefix(l, authCookie) && !strings.HasPrefix(l, userCookie) {
			continue // the response's own changes (a toggle's selection)
		}
		w.st.idle.renewalLines++
		w.st.idle.renewalBytes += len("Set-Cookie: ") + len(l) + len("\r\n")
	}
}

// loginState says what a logged-in visitor's private page, requested at
// start and read at end, may show under an idle timeout: the login may have
// ended (maybeOut) or must have (mustOut).
func (w *worker) loginState(v *visitor, start, end time.Time) (maybeOut, mustOut bool) {
	if w.idle <= 0 || v.account < 0 {
		return false, false
	}
	return end.Sub(v.seenLo) >= w.idle, start.Sub(v.seenHi) >= w.idle
}
