// Package h1 is a minimal HTTP/1.1 client for one keep-alive connection to
// a loopback server, for load generators whose own cost must stay small next
// to the servers they measure.
//
// net/http's client hands every request to two goroutines of its connection
// and builds a full http.Response (a header map, a body reader, a context
// per request). On the 2-core benchmark machine that cost more CPU per
// request than Varnish spends serving a cache hit. A [Conn] writes each
// request with one write system call and reads the response into buffers it
// reuses; the caller reads the status, the headers it names and the body.
//
//	c := &h1.Conn{Addr: "127.0.0.1:6081", Timeout: 30 * time.Second}
//	defer c.Close()
//	var resp h1.Response
//	err := c.Do("GET", "/properties/7", []h1.Field{{"Cookie", "a=1"}}, "", &resp)
//	fmt.Println(resp.StatusCode, resp.Header("X-Cache"), len(resp.Body))
//
// Supported: Content-Length and chunked bodies, bodies delimited by the
// server closing the connection, "Connection: close", interim 1xx responses,
// and one transparent retry of a GET or HEAD whose reused connection turned
// out to be closed by the server (as net/http does). Not supported: TLS,
// proxies, redirects, compression, pipelining. A Conn is not safe for
// concurrent use: give each worker its own.
package h1

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Limits of what a response may hold; beyond them Do fails.
const (
	maxHeaderBytes = 64 << 10
	maxBodyBytes   = 64 << 20
	readBufSize    = 16 << 10
)

var (
	errMalformed = errors.New("h1: malformed response")
	errTooLarge  = errors.New("h1: response too large")
	errBadInput  = errors.New("h1: request line or header holds a control character or a space where none is allowed")
)

// Field is one request header line.
type Field struct{ Name, Value string }

// Conn is one client connection to Addr, dialled on first use and kept
// open between requests. The zero value is not usable: set Addr.
type Conn struct {
	Addr    string        // host:port to dial; required
	Host    string        // Host header; Addr when empty
	Timeout time.Duration // bound of each request, dial included; none when 0

	conn   net.Conn
	br     *bufio.Reader
	reused bool   // conn has completed a response before
	req    []byte // the request being written, reused
}

// Response is what Do read. Body and the header text are reused by the
// next Do with the same Response: copy what must outlive it.
type Response struct {
	StatusCode int
	Body       []byte
	header     []byte // "Name: value\r\n" lines, as received
}

// Header returns the value of the first header line called name (ASCII case
// insensitive), trimmed of spaces, or "" when there is none.
func (r *Response) Header(name string) string {
	for h := r.header; len(h) > 0; {
		var line []byte
		line, h = nextLine(h)
		if v, ok := fieldValue(line, name); ok {
			return string(v)
		}
	}
	return ""
}

// Values returns the values of every header line called name, in order, or
// nil when there is none. Set-Cookie lines each come as one value.
func (r *Response) Values(name string) []string {
	var out []string
	for h := r.header; len(h) > 0; {
		var line []byte
		line, h = nextLine(h)
		if v, ok := fieldValue(line, name); ok {
			out = append(out, string(v))
		}
	}
	return out
}

// Close closes the connection, if open. The Conn may be used again: the
// next Do dials anew.
func (c *Conn) Close() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn, c.br, c.reused = nil, nil, false
	return err
}

// Do sends one request and reads its response into resp. header holds the
// request's header lines besides Host and Content-Length, which Do writes
// itself (Content-Length only for a non-empty body). On any error the
// connection is closed and the error returned; resp is then undefined.
func (c *Conn) Do(method, path string, header []Field, body string, resp *Response) error {
	if err := c.build(method, path, header, body); err != nil {
		return err
	}
	err := c.roundTrip(method, resp)
	if err != nil && c.retryable(err, method) {
		c.Close()
		err = c.roundTrip(method, resp)
	}
	if err != nil {
		c.Close()
	}
	return err
}

// retried marks an error on a reused connection before any byte of the
// response arrived: the server had closed it while idle.
type retried struct{ error }

func (c *Conn) retryable(err error, method string) bool {
	var r retried
	return errors.As(err, &r) && (method == "GET" || method == "HEAD")
}

func (c *Conn) roundTrip(method string, resp *Response) error {
	if c.conn == nil {
		if err := c.dial(); err != nil {
			return err
		}
	}
	if c.Timeout > 0 {
		c.conn.SetDeadline(time.Now().Add(c.Timeout))
	}
	reused := c.reused
	if _, err := c.conn.Write(c.req); err != nil {
		if reused {
			return retried{err}
		}
		return err
	}
	if reused {
		if _, err := c.br.Peek(1); err != nil {
			return retried{err}
		}
	}
	keep, err := readResponse(c.br, method, resp)
	if err != nil {
		return err
	}
	if keep {
		c.reused = true
	} else {
		c.Close()
	}
	return nil
}

func (c *Conn) dial() error {
	d := net.Dialer{Timeout: c.Timeout}
	conn, err := d.Dial("tcp", c.Addr)
	if err != nil {
		return err
	}
	c.conn, c.br, c.reused = conn, bufio.NewReaderSize(conn, readBufSize), false
	return nil
}

// build writes the request into c.req.
func (c *Conn) build(method, path string, header []Field, body string) error {
	host := c.Host
	if host == "" {
		host = c.Addr
	}
	if !token(method) || !visible(path) || !visible(host) {
		return errBadInput
	}
	b := append(c.req[:0], method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\n"...)
	for _, f := range header {
		if !token(f.Name) || !fieldText(f.Value) {
			return errBadInput
		}
		b = append(b, f.Name...)
		b = append(b, ": "...)
		b = append(b, f.Value...)
		b = append(b, "\r\n"...)
	}
	if body != "" {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	c.req = append(b, body...)
	return nil
}

// readResponse reads one response (after any interim 1xx) and reports
// whether the connection may carry another request.
func readResponse(br *bufio.Reader, method string, resp *Response) (keep bool, err error) {
	for {
		keep, length, chunked, err := readHead(br, resp)
		if err != nil {
			return false, err
		}
		code := resp.StatusCode
		if code >= 100 && code < 200 && code != 101 {
			continue // interim response: the real one follows
		}
		resp.Body = resp.Body[:0]
		switch {
		case method == "HEAD" || code == 204 || code == 304 || code == 101:
			return keep && code != 101, nil
		case chunked:
			resp.Body, err = readChunked(br, resp.Body)
		case length >= 0:
			resp.Body, err = readN(br, resp.Body, length)
		default: // delimited by the end of the connection
			resp.Body, err = readAll(br, resp.Body)
			keep = false
		}
		return keep, err
	}
}

// readHead reads the status line and the header lines.
func readHead(br *bufio.Reader, resp *Response) (keep bool, length int64, chunked bool, err error) {
	line, err := readLine(br)
	if err != nil {
		return false, 0, false, err
	}
	// "HTTP/1.x NNN reason"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return false, 0, false, errMalformed
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil || code < 100 || (len(line) > 12 && line[12] != ' ') {
		return false, 0, false, errMalformed
	}
	resp.StatusCode = code
	keep = line[7] == '1' // HTTP/1.1 keeps the connection unless told
	length = -1
	resp.header = resp.header[:0]
	for {
		line, err := readLine(br)
		if err != nil {
			return false, 0, false, err
		}
		if len(line) == 0 {
			return keep, length, chunked, nil
		}
		if len(resp.header)+len(line) > maxHeaderBytes {
			return false, 0, false, errTooLarge
		}
		if bytes.IndexByte(line, ':') <= 0 {
			return false, 0, false, errMalformed
		}
		resp.header = append(append(resp.header, line...), '\r', '\n')
		if v, ok := fieldValue(line, "Content-Length"); ok {
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil || n < 0 || (length >= 0 && n != length) {
				return false, 0, false, errMalformed
			}
			length = n
		} else if v, ok := fieldValue(line, "Transfer-Encoding"); ok {
			if !equalFold(v, "chunked") {
				return false, 0, false, fmt.Errorf("h1: unsupported Transfer-Encoding %q", v)
			}
			chunked = true
		} else if v, ok := fieldValue(line, "Connection"); ok {
			switch {
			case hasToken(v, "close"):
				keep = false
			case hasToken(v, "keep-alive"):
				keep = true
			}
		}
	}
}

// readLine returns one line without its CRLF (or bare LF); the slice is
// valid until the next read from br.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, errTooLarge
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

func readN(br *bufio.Reader, buf []byte, n int64) ([]byte, error) {
	if int64(len(buf))+n > maxBodyBytes {
		return buf, errTooLarge
	}
	start := len(buf)
	buf = grow(buf, int(n))
	if _, err := io.ReadFull(br, buf[start:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return buf, err
	}
	return buf, nil
}

func readChunked(br *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		line, err := readLine(br)
		if err != nil {
			return buf, err
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i] // chunk extensions are ignored
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || size < 0 {
			return buf, errMalformed
		}
		if size == 0 {
			for { // trailers, up to the empty line
				line, err := readLine(br)
				if err != nil {
					return buf, err
				}
				if len(line) == 0 {
					return buf, nil
				}
			}
		}
		if buf, err = readN(br, buf, size); err != nil {
			return buf, err
		}
		if line, err := readLine(br); err != nil || len(line) != 0 {
			return buf, errMalformed
		}
	}
}

func readAll(br *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) > maxBodyBytes {
			return buf, errTooLarge
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := br.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// grow extends buf by n bytes, reusing its capacity when it can.
func grow(buf []byte, n int) []byte {
	if cap(buf)-len(buf) >= n {
		return buf[:len(buf)+n]
	}
	nb := make([]byte, len(buf)+n, 2*len(buf)+n)
	copy(nb, buf)
	return nb
}

func nextLine(h []byte) (line, rest []byte) {
	i := bytes.Index(h, []byte("\r\n"))
	if i < 0 {
		return h, nil
	}
	return h[:i], h[i+2:]
}

// fieldValue returns the trimmed value of line when its name is name.
func fieldValue(line []byte, name string) ([]byte, bool) {
	if len(line) <= len(name) || line[len(name)] != ':' || !equalFold(line[:len(name)], name) {
		return nil, false
	}
	return bytes.Trim(line[len(name)+1:], " \t"), true
}

// hasToken reports whether the comma-separated list v holds tok (ASCII
// case insensitive).
func hasToken(v []byte, tok string) bool {
	for len(v) > 0 {
		item := v
		if i := bytes.IndexByte(v, ','); i >= 0 {
			item, v = v[:i], v[i+1:]
		} else {
			v = nil
		}
		if equalFold(bytes.Trim(item, " \t"), tok) {
			return true
		}
	}
	return false
}

// equalFold reports whether b and s are equal under ASCII case folding.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// token reports whether s is a non-empty RFC 9110 token.
func token(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// visible reports whether s is non-empty and holds only visible ASCII.
func visible(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// fieldText reports whether s may be a header value: no control characters
// but horizontal tab.
func fieldText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
