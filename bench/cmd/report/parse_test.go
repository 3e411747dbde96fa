package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkSession/req=read/lib=gorilla-2   	   20000	     25643 ns/op	      1072 cookie-B/op	  0 setcookie-B/op	   16240 B/op	     291 allocs/op
BenchmarkSession/req=read/lib=gorilla-2   	   20000	     25000 ns/op	      1072 cookie-B/op	  0 setcookie-B/op	   16240 B/op	     291 allocs/op
BenchmarkSession/req=read/lib=gorilla-2   	   20000	     30000 ns/op	      1072 cookie-B/op	  0 setcookie-B/op	   16240 B/op	     291 allocs/op
BenchmarkE2E/page=read/app=clientsession-2	101490	29561 ns/op	33828 req/s	309.8 p50-us	3253.7 p99-us
PASS
garbage line
`

func TestParseBench(t *testing.T) {
	s, order := parseBench(strings.NewReader(sample))
	if len(order) != 2 || order[0] != "BenchmarkSession/req=read/lib=gorilla" {
		t.Fatalf("order = %q", order)
	}
	if m, ok := s.median("BenchmarkSession/req=read/lib=gorilla", "ns/op"); !ok || m != 25643 {
		t.Fatalf("median ns/op = %v, %v", m, ok)
	}
	if m, _ := s.median("BenchmarkE2E/page=read/app=clientsession", "req/s"); m != 33828 {
		t.Fatalf("req/s = %v", m)
	}
	if _, ok := s.median("BenchmarkE2E/page=read/app=clientsession", "nope"); ok {
		t.Fatal("median of a missing unit reported ok")
	}
	if n := s.count("BenchmarkSession/req=read/lib=gorilla"); n != 3 {
		t.Fatalf("count = %d", n)
	}
}
