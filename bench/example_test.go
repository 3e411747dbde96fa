package bench_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/fullsession/fullsession/bench/internal/harness"
	"github.com/fullsession/fullsession/bench/internal/jar"
)

// Example shows what every benchmark case does once: log in through the
// library, replay the cookies it set, and read the session back.
func Example() {
	cs, err := harness.NewClientSession()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, st := range []harness.Store{cs, harness.NewGorilla(), harness.NewSCSMemory()} {
		p := newPages(st, harness.Fixture())
		var j jar.Jar
		w := httptest.NewRecorder()
		p.login.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		j.Update(w.Header())

		r := httptest.NewRequest("GET", "/", nil)
		j.Apply(r)
		p.read.ServeHTTP(httptest.NewRecorder(), r)
		fmt.Println(st.Name(), p.got.user.Name, p.got.user.Surname, p.got.uid)
		st.Close()
	}
	// Output:
	// clientsession Amélie Lefèvre 48213
	// gorilla Amélie Lefèvre 48213
	// scs-mem Amélie Lefèvre 48213
}
