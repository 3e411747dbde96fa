// Command fullsession-keygen prints a new random secret for
// clientsession's Options.Keys, as 64 hex digits (32 bytes from
// crypto/rand), which clientsession.ParseKeys reads:
//
//	go run github.com/fullsession/fullsession/cmd/fullsession-keygen
//	go run ./cmd/fullsession-keygen -n 2   # two secrets, comma-separated
//
// To rotate, put the new secret first and keep the old one after it until
// its cookies have expired: -keys "$NEW,$OLD".
package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	n := flag.Int("n", 1, "number of secrets, printed comma-separated")
	flag.Parse()
	if *n < 1 || *n > 100 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: fullsession-keygen [-n 1..100]")
		os.Exit(2)
	}
	fmt.Println(keys(*n))
}

// keys returns n new secrets of 32 random bytes, hex, comma-separated.
func keys(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = hex.EncodeToString(secret())
	}
	return strings.Join(parts, ",")
}

func secret() []byte {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return b
}
