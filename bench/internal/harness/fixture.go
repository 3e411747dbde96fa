// Package harness sets up each session library the benchmarks compare on the
// same fixed six-key session, behind one small interface, so that the micro
// benchmarks, the end-to-end apps and their tests all exercise the libraries
// the same way: through each library's own natural API, never through a
// shortcut only a benchmark would take.
//
// A [Store] is one library configured like a production site would configure
// it (14-day cookies, Path=/, Secure, HttpOnly where it applies,
// SameSite=Lax). [Fixture] is the session every store holds. Call
// [Store.Login] once to write it, replay the Set-Cookie headers it produced as
// the request's Cookie header, then measure [Store.ReadUser] and
// [Store.SetLang] behind [Store.Middleware].
package harness

import (
	"crypto/sha256"
	"math/rand/v2"
	"slices"
)

// User is the value stored under the "user" key.
type User struct {
	Surname string `json:"surname"`
	Name    string `json:"name"`
}

// Search is the value stored under the "last_search" key.
type Search struct {
	City     string `json:"city"`
	MaxPrice int    `json:"max_price"`
}

// Session is the six-key session of the benchmarks. Each field is stored
// under its own session key (see the constants below), the way an
// application stores them.
type Session struct {
	User       User   // key "user"
	Selection  []int  // key "selection": 20 property ids
	Lang       string // key "lang"
	LastSearch Search // key "last_search"
	AuthUserID int    // key "_auth_user_id"
	CSRF       string // key "_csrf": 32 random characters
}

// The session keys. Keys starting with "_" are the ones clientsession seals
// (Private); the others are readable by page scripts.
const (
	KeyUser       = "user"
	KeySelection  = "selection"
	KeyLang       = "lang"
	KeyLastSearch = "last_search"
	KeyAuthUserID = "_auth_user_id"
	KeyCSRF       = "_csrf"
)

// Fixture returns the benchmark session. It is the same on every call and
// every run (the "random" parts come from a fixed seed), so cookie sizes are
// comparable across runs.
func Fixture() Session {
	return FixtureFor(48213)
}

// FixtureFor returns the benchmark session for the user with the given id:
// the same shape as [Fixture], with a selection and CSRF token derived from
// uid, so that simulated users can be told apart.
func FixtureFor(uid int) Session {
	rng := rand.New(rand.NewPCG(uint64(uid), 0x5eed))
	sel := make([]int, 20)
	for i := range sel {
		sel[i] = 1 + rng.IntN(100_000)
	}
	return Session{
		User:       User{Surname: "Lefèvre", Name: "Amélie"},
		Selection:  sel,
		Lang:       "fr",
		LastSearch: Search{City: "Paris", MaxPrice: 450_000},
		AuthUserID: uid,
		CSRF:       randomString(rng, 32),
	}
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomString(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// Equal reports whether s and t hold the same values.
func (s Session) Equal(t Session) bool {
	return s.User == t.User && slices.Equal(s.Selection, t.Selection) &&
		s.Lang == t.Lang && s.LastSearch == t.LastSearch &&
		s.AuthUserID == t.AuthUserID && s.CSRF == t.CSRF
}

// key derives a fixed n-byte secret from label, so that every run uses the
// same keys and produces cookies of the same size.
func key(label string, n int) []byte {
	sum := sha256.Sum256([]byte("fullsession bench " + label))
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, sum[:]...)
		sum = sha256.Sum256(sum[:])
	}
	return out[:n]
}
