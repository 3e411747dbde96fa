package redisproc_test

import (
	"fmt"
	"os"

	"github.com/fullsession/fullsession/internal/testkit/redisproc"
)

func Example() {
	dir, _ := os.MkdirTemp("", "redis")
	defer os.RemoveAll(dir)
	s, err := redisproc.Start(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	// Point a client at s.Addr(); the server is gone after Close.
	fmt.Println(s.Addr() != "")
}
