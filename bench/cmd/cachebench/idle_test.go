package main

import (
	"testing"
	"time"
)

func TestIdleCountsRenewalsNotLogins(t *testing.T) {
	w := &worker{idle: 4 * time.Second, st: newStats()}
	v := &visitor{account: -1}
	t0 := time.Unix(1000, 0)
	auth := "session._auth_user_id=AbC; Path=/; SameSite=Lax; Max-Age=1209600; HttpOnly"
	user := "session.user=s2.x; Path=/; SameSite=Lax; Max-Age=1209600"
	sel := "session.selection=[1]; Path=/; SameSite=Lax; Max-Age=1209600"

	v.account = 0
	w.noteSeen(v, kLogin, []string{auth, user}, t0, t0.Add(time.Millisecond))
	if w.st.idle.renewals != 0 || !v.seenLo.Equal(t0) {
		t.Fatalf("a login is not a renewal: %+v, seen %v", w.st.idle, v.seenLo)
	}
	w.noteSeen(v, kToggle, []string{sel}, t0.Add(time.Second), t0.Add(time.Second))
	if w.st.idle.renewals != 0 || !v.seenLo.Equal(t0) {
		t.Fatalf("no login cookie: no renewal: %+v", w.st.idle)
	}
	w.noteSeen(v, kToggle, []string{sel, auth, user}, t0.Add(3*time.Second), t0.Add(3*time.Second+time.Millisecond))
	if s := w.st.idle; s.renewals != 1 || s.renewalLines != 2 || s.renewalBytes != 2*len("Set-Cookie: \r\n")+len(auth)+len(user) {
		t.Fatalf("renewal: %+v", s)
	}
	w.noteSeen(v, kSelection, []string{"session._auth_user_id=; Path=/; Max-Age=0"}, t0.Add(4*time.Second), t0.Add(4*time.Second))
	if w.st.idle.renewals != 1 {
		t.Fatal("a deletion is not a renewal")
	}

	// Seen in [3s, 3.001s]: at 6.5s it may have ended, at 7.1s it must have.
	if maybe, must := w.loginState(v, t0.Add(6500*time.Millisecond), t0.Add(6600*time.Millisecond)); maybe || must {
		t.Fatalf("3.5 s after: maybe %v must %v", maybe, must)
	}
	if maybe, must := w.loginState(v, t0.Add(6999*time.Millisecond), t0.Add(7002*time.Millisecond)); !maybe || must {
		t.Fatalf("at the edge: maybe %v must %v", maybe, must)
	}
	if maybe, must := w.loginState(v, t0.Add(7100*time.Millisecond), t0.Add(7200*time.Millisecond)); !maybe || !must {
		t.Fatalf("4.1 s after: maybe %v must %v", maybe, must)
	}
	w.idle = 0
	if maybe, must := w.loginState(v, t0.Add(time.Hour), t0.Add(time.Hour)); maybe || must {
		t.Fatal("without an idle timeout a login never ends")
	}
}
