package redisrevoke_test

import (
	"log"
	"net/http"
	"time"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/clientsession/redisrevoke"
)

// Every server of the fleet shares the revocations in one Redis. A logout
// on any of them voids the copies of the user's cookies on all of them.
//
// This Example needs a Redis at 127.0.0.1:6379, so it is compiled but not
// run; TestWithManager runs the same flow against a redis-server it starts.
func Example() {
	const maxAge = 14 * 24 * time.Hour
	rv, err := redisrevoke.New(redisrevoke.Options{
		URL:    "redis://127.0.0.1:6379/0",
		MaxAge: maxAge, // the Manager's MaxAge: entries expire after it
	})
	if err != nil {
		log.Fatal(err) // a bad URL; an unreachable Redis is an outage, not an error here
	}
	defer rv.Close()

	m, err := clientsession.New(clientsession.Options{
		Keys:    [][]byte{[]byte("an example secret of 32+ bytes!!")},
		MaxAge:  maxAge,
		Revoker: rv, // looked up from the local cache: no round trip per request
	})
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /logout-everywhere", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		id, ok, _ := clientsession.Get[string](s, clientsession.DefaultSubjectKey)
		if !ok {
			http.Error(w, "not signed in", http.StatusUnauthorized)
			return
		}
		if err := rv.Revoke(r.Context(), id, time.Now()); err != nil {
			// Not recorded (Redis unreachable): do not claim success.
			http.Error(w, "could not sign you out everywhere; try again", http.StatusServiceUnavailable)
			return
		}
		s.Clear()
		w.Write([]byte("signed out on every device"))
	})
	log.Fatal(http.ListenAndServe(":8080", m.Middleware(mux)))
}
