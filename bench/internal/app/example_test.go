package app_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/fullsession/fullsession/bench/internal/app"
	"github.com/fullsession/fullsession/bench/internal/harness"
	"github.com/fullsession/fullsession/bench/internal/jar"
)

func Example() {
	st := harness.NewGorilla()
	defer st.Close()
	h := app.New(st)

	var j jar.Jar // one simulated browser
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/login?uid=42", nil))
	j.Update(w.Header())

	r := httptest.NewRequest("GET", "/read", nil)
	j.Apply(r)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, strings.Contains(w.Body.String(), "(#42)"))
	// Output: 200 true
}
