package tcpproxy_test

import (
	"fmt"
	"net"

	"github.com/fullsession/fullsession/internal/testkit/tcpproxy"
)

func Example() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0") // stands for a server
	defer ln.Close()
	p, err := tcpproxy.New(ln.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	// Point one client at p.Addr(); p.Cut() makes the server look down to
	// it alone, p.Restore() brings it back.
	fmt.Println(p.Addr() != ln.Addr().String())
	// Output: true
}
