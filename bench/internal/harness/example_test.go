package harness_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/fullsession/fullsession/bench/internal/harness"
	"github.com/fullsession/fullsession/bench/internal/jar"
)

func Example() {
	st := harness.NewGorilla()
	defer st.Close()
	login := st.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st.Login(w, r, harness.Fixture())
	}))
	read := st.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, uid, found, err := st.ReadUser(w, r)
		fmt.Println(u.Name, u.Surname, uid, found, err)
	}))

	// Log in once, then replay the library's own cookie, as the benchmarks do.
	var j jar.Jar
	w := httptest.NewRecorder()
	login.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	j.Update(w.Header())
	r := httptest.NewRequest("GET", "/", nil)
	j.Apply(r)
	read.ServeHTTP(httptest.NewRecorder(), r)
	// Output: Amélie Lefèvre 48213 true <nil>
}
