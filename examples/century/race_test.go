//go:build race

package main

// raceFlag is the go build flag that matches this test binary, so that a
// binary the tests build reuses its compiled packages.
func raceFlag() []string { return []string{"-race"} }
