package jar_test

import (
	"net/http"
	"testing"

	"github.com/fullsession/fullsession/bench/internal/jar"
)

func TestUpdate(t *testing.T) {
	var j jar.Jar
	if got := j.Header(); got != "" {
		t.Fatalf("empty jar Header() = %q", got)
	}
	h := http.Header{}
	h.Add("Set-Cookie", "a=1; Path=/; Secure; HttpOnly")
	h.Add("Set-Cookie", "b=2; Max-Age=60")
	h.Add("Set-Cookie", "not a cookie")
	j.Update(h)
	if got, want := j.Header(), "a=1; b=2"; got != want {
		t.Fatalf("Header() = %q, want %q", got, want)
	}
	h = http.Header{}
	h.Add("Set-Cookie", "a=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:01 GMT")
	h.Add("Set-Cookie", "b=3")
	h.Add("Set-Cookie", "c=4")
	j.Update(h)
	if got, want := j.Header(), "b=3; c=4"; got != want {
		t.Fatalf("after delete Header() = %q, want %q", got, want)
	}
	h = http.Header{"Set-Cookie": {"c=; Max-Age=-1"}}
	j.Update(h)
	if got, want := j.Header(), "b=3"; got != want {
		t.Fatalf("after Max-Age=-1 Header() = %q, want %q", got, want)
	}
	if v, ok := j.Get("b"); !ok || v != "3" {
		t.Fatalf(`Get("b") = %q, %v`, v, ok)
	}
	if _, ok := j.Get("c"); ok {
		t.Fatal(`Get("c") found a deleted cookie`)
	}
}

func TestApply(t *testing.T) {
	var j jar.Jar
	r, _ := http.NewRequest("GET", "http://127.0.0.1/", nil)
	r.Header.Set("Cookie", "stale=1")
	j.Apply(r)
	if r.Header.Get("Cookie") != "" {
		t.Fatal("empty jar left a Cookie header")
	}
	j.Set("x", "%7B%7D")
	j.Apply(r)
	if got := r.Header.Get("Cookie"); got != "x=%7B%7D" {
		t.Fatalf("Cookie = %q", got)
	}
	if j.Len() != 1 {
		t.Fatalf("Len() = %d", j.Len())
	}
}
