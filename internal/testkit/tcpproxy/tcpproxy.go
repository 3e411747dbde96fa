// Package tcpproxy is a loopback TCP forwarder for fault tests: it lets a
// test cut the connections of one client to a server (Redis, Varnish, a
// database) while other clients keep theirs, or freeze them as a network
// partition would (open, but silent), and then restore them.
package tcpproxy

import (
	"net"
	"sync"
	"time"
)

// Proxy forwards connections accepted on Addr to a target address.
type Proxy struct {
	target string
	ln     net.Listener

	mu     sync.Mutex
	cut    bool
	frozen bool
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// New listens on a free loopback port and forwards each connection to
// target. The caller must Close the proxy.
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{target: target, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the "127.0.0.1:port" that clients should dial.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every forwarded connection, both sides, and closes each new
// one at once until Restore: to the client the server looks down.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
	}
}

// Freeze stops forwarding bytes, both ways, without closing anything:
// connections stay open and silent, as across a network partition. New
// connections are accepted and frozen too.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	p.frozen = true
	p.mu.Unlock()
}

// Restore undoes Cut and Freeze: new connections are forwarded, and bytes
// held by Freeze flow on the connections still open.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.cut, p.frozen = false, false
	p.mu.Unlock()
}

// hold waits while the proxy is frozen. It reports false when c was closed
// meanwhile (by Cut or Close).
func (p *Proxy) hold(c net.Conn) bool {
	for {
		p.mu.Lock()
		frozen := p.frozen
		_, open := p.conns[c]
		p.mu.Unlock()
		switch {
		case !open:
			return false
		case !frozen:
			return true
		}
		time.Sleep(time.Millisecond)
	}
}

// copy forwards src to dst, holding bytes while frozen.
func (p *Proxy) copy(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.hold(src) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Close stops listening, closes every connection and waits for the
// forwarding goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.wg.Add(1)
		go p.forward(c)
	}
}

// track registers c, or reports false (and closes c) when cut or closed.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut || p.closed {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
		c.Close()
	}
}

func (p *Proxy) forward(client net.Conn) {
	defer p.wg.Done()
	if !p.track(client) {
		return
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		p.untrack(client)
		return
	}
	if !p.track(server) {
		p.untrack(client)
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		p.copy(dst, src) // either side closing ends both
		p.untrack(client, server)
		done <- struct{}{}
	}
	go pipe(server, client)
	pipe(client, server)
	<-done
}
