package app_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fullsession/fullsession/bench/internal/app"
	"github.com/fullsession/fullsession/bench/internal/harness"
	"github.com/fullsession/fullsession/bench/internal/jar"
)

func do(h http.Handler, j *jar.Jar, method, target string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	j.Apply(r)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	j.Update(w.Header())
	return w
}

// TestApp drives each in-process variant (Redis is covered by the bench
// package's TestHarnesses and by e2ebench) through login, read and write.
func TestApp(t *testing.T) {
	cs, err := harness.NewClientSession()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []harness.Store{cs, harness.NewGorilla(), harness.NewSCSMemory()} {
		t.Run(st.Name(), func(t *testing.T) {
			defer st.Close()
			h := app.New(st)
			var j jar.Jar
			if w := do(h, &j, "GET", "/read"); w.Code != http.StatusUnauthorized {
				t.Fatalf("read before login: %d", w.Code)
			}
			if w := do(h, &j, "GET", "/login?uid=x"); w.Code != http.StatusBadRequest {
				t.Fatalf("login with bad uid: %d", w.Code)
			}
			if w := do(h, &j, "GET", "/login?uid=77"); w.Code != http.StatusNoContent {
				t.Fatalf("login: %d %s", w.Code, w.Body)
			}
			w := do(h, &j, "GET", "/read")
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Bonjour Amélie Lefèvre (#77)") {
				t.Fatalf("read: %d %q", w.Code, w.Body.String()[:min(200, w.Body.Len())])
			}
			if w := do(h, &j, "POST", "/lang?lang=toolong"); w.Code != http.StatusBadRequest {
				t.Fatalf("bad lang: %d", w.Code)
			}
			if w := do(h, &j, "POST", "/lang?lang=en"); w.Code != http.StatusNoContent || len(w.Header().Values("Set-Cookie")) == 0 {
				t.Fatalf("lang: %d, Set-Cookie %q", w.Code, w.Header().Values("Set-Cookie"))
			}
			if w := do(h, &j, "GET", "/read"); w.Code != http.StatusOK {
				t.Fatalf("read after write: %d", w.Code)
			}
		})
	}
}
