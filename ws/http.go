package ws

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// HTTPHandlerFunc answers a plain HTTP GET request that arrived on the WebSocket port (see
// WithHTTPHandler) with a status (0 means 200), header fields and a body.
type HTTPHandlerFunc func(c *ServerConn, r Request) (status int, header http.Header, body []byte)

// WithHTTPHandler makes the server answer plain HTTP GET requests, those without "Upgrade:
// websocket", with fn instead of rejecting them with 400, so the WebSocket port can also serve
// the page that opens the WebSocket, or a health check. fn runs on the goroutine that calls Feed
// and must not block. r holds URI, Path, RawQuery, Host and Origin, and r.Header() returns the
// header fields. The response is written with one Write, with Content-Length, "Connection:
// close" and, when header has none and the body is not empty, a Content-Type sniffed from the
// body; header fields whose name is not a token or whose value holds a control character are
// dropped. Feed then returns ErrHTTPServed and the glue closes the connection: one request per
// connection, OnOpen is not called.
func WithHTTPHandler(fn HTTPHandlerFunc) Option {
	return func(s *Server) { s.httpHandler = fn }
}

// serveHTTP answers a plain HTTP request with the WithHTTPHandler hook.
func (c *ServerConn) serveHTTP(req Request) error {
	status, header, body := c.srv.httpHandler(c, req)
	buf := getBuffer(256 + len(body))
	*buf = appendHTTPResponse(*buf, status, header, body)
	c.mu.Lock()
	_, err := c.w.Write(*buf)
	c.wstate = writeCloseSent
	c.mu.Unlock()
	putBuffer(buf)
	if err != nil {
		return err
	}
	return ErrHTTPServed
}

// appendHTTPResponse builds a complete HTTP/1.1 response that closes the connection.
func appendHTTPResponse(b []byte, status int, header http.Header, body []byte) []byte {
	switch {
	case status == 0:
		status = http.StatusOK
	case status < 200 || status > 999: // 1xx would announce another response
		status = http.StatusInternalServerError
	}
	if status == http.StatusNoContent || status == http.StatusNotModified {
		body = nil
	}
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(status)...)
	b = append(b, "\r\n"...)
	keys := make([]string, 0, len(header))
	for k := range header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	typed := false
	for _, k := range keys {
		name := http.CanonicalHeaderKey(k)
		switch {
		case !isToken(k), name == "Content-Length", name == "Connection", name == "Transfer-Encoding":
			continue
		case name == "Content-Type":
			typed = true
		}
		for _, v := range header[k] {
			if strings.ContainsFunc(v, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }) {
				continue
			}
			b = append(b, name...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	if !typed && len(body) > 0 {
		b = append(b, "Content-Type: "...)
		b = append(b, http.DetectContentType(body)...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "Connection: close\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	return append(b, body...)
}
