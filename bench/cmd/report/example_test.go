package main

import (
	"fmt"
	"strings"
)

// Example_parseBench shows the input the report reads: Go benchmark lines,
// of which it takes medians.
func Example_parseBench() {
	s, _ := parseBench(strings.NewReader(`BenchmarkE2E/page=read/app=gorilla-2	1000	1 ns/op	9000 req/s
BenchmarkE2E/page=read/app=gorilla-2	1000	1 ns/op	9500 req/s
BenchmarkE2E/page=read/app=gorilla-2	1000	1 ns/op	9100 req/s
`))
	rps, _ := s.median("BenchmarkE2E/page=read/app=gorilla", "req/s")
	fmt.Println(rps)
	// Output: 9100
}
