package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// client posts JSON bodies to one URL over keep-alive HTTP/1.1 connections that it writes and
// reads by hand. The load generator shares the machine with the server it measures, and
// net/http's client spent about 116 µs of CPU per request here (8 % of two cores at 1,400 requests
// a second), which the server's ratio to bare ONNX Runtime would otherwise pay for.
type client struct {
	addr string // host:port to dial
	head []byte // request line and headers, up to the Content-Length value
	idle chan *conn
}

func newClient(endpoint string, conns int) (*client, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("%q: want an http:// URL", endpoint)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	head := fmt.Appendf(nil, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: ", u.RequestURI(), u.Host)
	return &client{addr: addr, head: head, idle: make(chan *conn, conns)}, nil
}

// requestTimeout bounds one request, answer included.
const requestTimeout = 5 * time.Minute

// conn is one connection and its reader.
type conn struct {
	nc  net.Conn
	r   *bufio.Reader
	req []byte
}

// post sends data and reads the whole answer into *buf, returning the status and the answer's
// usage.prompt_tokens. A ctx that ends cuts the request short.
func (c *client) post(ctx context.Context, data []byte, buf *[]byte) (int, int, error) {
	var cn *conn
	select {
	case cn = <-c.idle:
	default:
		nc, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return 0, 0, err
		}
		cn = &conn{nc: nc, r: bufio.NewReaderSize(nc, 64<<10)}
	}
	// A server that never answers fails the request after requestTimeout, as net/http's client did.
	cn.nc.SetDeadline(time.Now().Add(requestTimeout))
	stop := context.AfterFunc(ctx, func() { cn.nc.SetDeadline(time.Unix(1, 0)) })
	cn.req = append(append(strconv.AppendInt(append(cn.req[:0], c.head...), int64(len(data)), 10), "\r\n\r\n"...), data...)
	status, keep, err := cn.roundTrip(buf)
	if !stop() || err != nil || !keep {
		cn.nc.Close()
	} else {
		select {
		case c.idle <- cn:
		default:
			cn.nc.Close()
		}
	}
	if err != nil {
		return 0, 0, err
	}
	return status, promptTokensOf(*buf), nil
}

// close closes the idle connections.
func (c *client) close() {
	for {
		select {
		case cn := <-c.idle:
			cn.nc.Close()
		default:
			return
		}
	}
}

// roundTrip writes cn.req and reads the answer's status and body (by Content-Length, chunked, or
// up to the end of the connection); keep says whether the connection may carry another request.
func (cn *conn) roundTrip(buf *[]byte) (status int, keep bool, err error) {
	if _, err := cn.nc.Write(cn.req); err != nil {
		return 0, false, err
	}
	line, err := cn.r.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, keep := -1, false, true
	for {
		h, err := cn.r.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		k, v, _ := bytes.Cut(h, []byte(":"))
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(v)); err != nil || length < 0 {
				return 0, false, fmt.Errorf("bad Content-Length %q", v)
			}
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		case bytes.EqualFold(k, []byte("Connection")):
			keep = !bytes.EqualFold(v, []byte("close"))
		}
	}
	b := (*buf)[:0]
	switch {
	case chunked:
		b, err = readChunked(cn.r, b)
	case length >= 0:
		b = slices.Grow(b, length)[:length]
		_, err = io.ReadFull(cn.r, b)
	default:
		var w bytes.Buffer
		w.Write(b)
		_, err = w.ReadFrom(cn.r)
		b, keep = w.Bytes(), false
	}
	*buf = b
	return status, keep && err == nil, err
}

// readChunked appends a chunked body to b.
func readChunked(r *bufio.Reader, b []byte) ([]byte, error) {
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return b, err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil || n < 0 {
			return b, fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			for { // trailers, up to the empty line
				t, err := r.ReadSlice('\n')
				if err != nil {
					return b, err
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					return b, nil
				}
			}
		}
		start := len(b)
		b = slices.Grow(b, int(n))[:start+int(n)]
		if _, err := io.ReadFull(r, b[start:]); err != nil {
			return b, err
		}
		if crlf, err := r.ReadSlice('\n'); err != nil || len(bytes.TrimRight(crlf, "\r\n")) != 0 {
			return b, errors.New("chunk not followed by CRLF")
		}
	}
}

var promptTokens = []byte(`"prompt_tokens":`)

// promptTokensOf finds usage.prompt_tokens in an answer by a byte search rather than decoding the
// embeddings.
func promptTokensOf(answer []byte) int {
	i := bytes.LastIndex(answer, promptTokens)
	if i < 0 {
		return 0
	}
	rest := bytes.TrimLeft(answer[i+len(promptTokens):], " ")
	end := bytes.IndexAny(rest, ",}")
	if end <= 0 {
		return 0
	}
	tokens, _ := strconv.Atoi(string(bytes.TrimSpace(rest[:end])))
	return tokens
}
