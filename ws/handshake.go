package ws

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// The upgrade request is parsed in two steps. First a cheap scan finds the blank line that ends
// the header (resuming where the previous Feed stopped, so a request that arrives one byte at a
// time costs O(n)); until it is found nothing is consumed, the glue keeps the bytes, and more than
// maxHeader bytes without it is answered with 431. Then the whole header is parsed at once. We do
// not run gobwas/ws's Upgrader over a bytes.Reader because its error responses lack
// "Connection: close", it only checks the key's length, and it may Write a response in pieces;
// its httphead and wsflate packages are used for the extension header.

const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// findHeaderEnd returns the index just past the blank line ending the header in p, or -1 and
// the offset from which to resume scanning when more bytes arrive. Bare LF line ends are accepted.
func findHeaderEnd(p []byte, from int) (end, resume int) {
	for i := from; i < len(p); i++ {
		if p[i] != '\n' {
			continue
		}
		switch {
		case i+1 >= len(p):
			return -1, i
		case p[i+1] == '\n':
			return i + 2, 0
		case p[i+1] == '\r':
			if i+2 >= len(p) {
				return -1, i
			}
			if p[i+2] == '\n' {
				return i + 3, 0
			}
		}
	}
	return -1, len(p)
}

// handshakeResult is what a valid request produces besides the Request.
type handshakeResult struct {
	accept     string
	extensions string // Sec-WebSocket-Extensions response value, "" if none
	windowBits uint8  // server_max_window_bits agreed, 0 if unrestricted
	plain      bool   // a plain HTTP GET for the WithHTTPHandler hook, not an upgrade
}

func reject(status int, err error) *HandshakeError {
	return &HandshakeError{Status: status, Err: err}
}

// parseRequest parses and checks a complete upgrade request header (without the final blank line
// requirement: p holds everything up to and including it).
func (s *Server) parseRequest(p []byte) (*Request, handshakeResult, *HandshakeError) {
	var res handshakeResult
	line, rest := nextLine(p)
	method, target, version, ok := splitRequestLine(line)
	if !ok {
		return nil, res, reject(http.StatusBadRequest, ErrMalformedRequest)
	}
	switch {
	case version == "HTTP/1.1":
	case len(version) == 8 && strings.HasPrefix(version, "HTTP/") && version[6] == '.' &&
		isDigit(version[5]) && isDigit(version[7]):
		if version[5] == '1' { // HTTP/1.0: valid HTTP, but the upgrade needs 1.1
			return nil, res, reject(http.StatusBadRequest, ErrMalformedRequest)
		}
		return nil, res, reject(http.StatusHTTPVersionNotSupported, ErrMalformedRequest)
	default:
		return nil, res, reject(http.StatusBadRequest, ErrMalformedRequest)
	}
	if method != "GET" {
		return nil, res, reject(http.StatusMethodNotAllowed, ErrBadMethod)
	}
	path, rawQuery, ok := splitTarget(target)
	if !ok {
		return nil, res, reject(http.StatusBadRequest, ErrMalformedRequest)
	}
	h := make(http.Header, 8)
	for len(rest) > 0 {
		line, rest = nextLine(rest)
		if len(line) == 0 {
			break
		}
		k, v, ok := splitHeaderLine(line)
		if !ok {
			return nil, res, reject(http.StatusBadRequest, ErrMalformedRequest)
		}
		key := textproto.CanonicalMIMEHeaderKey(string(k))
		h[key] = append(h[key], string(v))
	}
	req := &Request{URI: target, Path: path, RawQuery: rawQuery, Header: h}
	if s.httpHandler != nil && !hasToken(h["Upgrade"], "websocket") {
		if hosts := h["Host"]; len(hosts) == 1 {
			req.Host = hosts[0]
		}
		if o := h["Origin"]; len(o) > 0 {
			req.Origin = o[0]
		}
		res.plain = true
		return req, res, nil
	}

	if !hasToken(h["Upgrade"], "websocket") || !hasToken(h["Connection"], "upgrade") {
		return nil, res, reject(http.StatusBadRequest, ErrNotUpgrade)
	}
	if hosts := h["Host"]; len(hosts) != 1 {
		return nil, res, reject(http.StatusBadRequest, ErrBadHost)
	}
	req.Host = h["Host"][0]
	if v := h["Sec-Websocket-Version"]; len(v) != 1 || v[0] != "13" {
		return nil, res, reject(http.StatusUpgradeRequired, ErrBadVersion)
	}
	keys := h["Sec-Websocket-Key"]
	if len(keys) != 1 || !validKey(keys[0]) {
		return nil, res, reject(http.StatusBadRequest, ErrBadKey)
	}
	if o := h["Origin"]; len(o) > 0 {
		req.Origin = o[0]
	}
	for _, v := range h["Sec-Websocket-Protocol"] {
		for _, t := range strings.Split(v, ",") {
			if t = strings.Trim(t, " \t"); t != "" {
				req.Protocols = append(req.Protocols, t)
			}
		}
	}
	req.Subprotocol = s.selectProtocol(req.Protocols)
	if s.deflate {
		res.extensions, res.windowBits, req.Compressed = negotiateDeflate(h["Sec-Websocket-Extensions"])
	}
	if s.checkOrigin != nil && !s.checkOrigin(req) {
		return nil, res, reject(http.StatusForbidden, ErrForbiddenOrigin)
	}
	res.accept = acceptKey(keys[0])
	return req, res, nil
}

// splitTarget returns the decoded path and the raw query of a request-target, as
// url.ParseRequestURI does, without allocating a url.URL for the usual origin form ("/path?query"):
// an upgrade's short-lived allocations share size classes with connections' long-lived state, and
// fewer of them leave the heap less fragmented.
func splitTarget(target string) (path, rawQuery string, ok bool) {
	if !strings.HasPrefix(target, "/") {
		u, err := url.ParseRequestURI(target) // absolute form, "*", or invalid
		if err != nil {
			return "", "", false
		}
		return u.Path, u.RawQuery, true
	}
	path, rawQuery, _ = strings.Cut(target, "?")
	if strings.IndexByte(path, '%') >= 0 {
		p, err := url.PathUnescape(path)
		if err != nil {
			return "", "", false
		}
		path = p
	}
	return path, rawQuery, true
}

func (s *Server) selectProtocol(offered []string) string {
	for _, p := range offered {
		for _, q := range s.protocols {
			if p == q {
				return p
			}
		}
	}
	return ""
}

// nextLine splits p after the first LF and strips the line's CRLF or LF.
func nextLine(p []byte) (line, rest []byte) {
	i := bytes.IndexByte(p, '\n')
	if i < 0 {
		return p, nil
	}
	line, rest = p[:i], p[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

func splitRequestLine(line []byte) (method, target, version string, ok bool) {
	i := bytes.IndexByte(line, ' ')
	if i <= 0 {
		return "", "", "", false
	}
	j := bytes.IndexByte(line[i+1:], ' ')
	if j <= 0 {
		return "", "", "", false
	}
	j += i + 1
	m, t, v := line[:i], line[i+1:j], line[j+1:]
	if !isToken(m) || bytes.IndexByte(v, ' ') >= 0 {
		return "", "", "", false
	}
	for _, c := range t {
		if c <= ' ' || c == 0x7f {
			return "", "", "", false
		}
	}
	return string(m), string(t), string(v), true
}

// splitHeaderLine splits "Name: value"; it refuses obsolete line folding, whitespace before the
// colon, an empty or non-token name and control characters in the value.
func splitHeaderLine(line []byte) (k, v []byte, ok bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 || !isToken(line[:i]) {
		return nil, nil, false
	}
	v = bytes.Trim(line[i+1:], " \t")
	for _, c := range v {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return nil, nil, false
		}
	}
	return line[:i], v, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isToken reports whether p is a non-empty RFC 9110 token.
func isToken(p []byte) bool {
	if len(p) == 0 {
		return false
	}
	for _, c := range p {
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// hasToken reports whether any comma-separated element of values equals token, ignoring case.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.Trim(t, " \t"), token) {
				return true
			}
		}
	}
	return false
}

// validKey reports whether k is the base64 encoding of exactly 16 bytes.
func validKey(k string) bool {
	if len(k) != 24 {
		return false
	}
	var b [18]byte
	n, err := base64.StdEncoding.Strict().Decode(b[:], []byte(k))
	return err == nil && n == 16
}

func acceptKey(key string) string {
	h := sha1.New()
	h.Write([]byte(key))
	h.Write([]byte(websocketGUID))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// appendUpgradeResponse builds the 101 response.
func appendUpgradeResponse(b []byte, req *Request, res *handshakeResult) []byte {
	b = append(b, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	b = append(b, res.accept...)
	b = append(b, "\r\n"...)
	if req.Subprotocol != "" {
		b = append(b, "Sec-WebSocket-Protocol: "...)
		b = append(b, req.Subprotocol...)
		b = append(b, "\r\n"...)
	}
	if res.extensions != "" {
		b = append(b, "Sec-WebSocket-Extensions: "...)
		b = append(b, res.extensions...)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}

// appendErrorResponse builds an HTTP error response that closes the connection.
func appendErrorResponse(b []byte, e *HandshakeError) []byte {
	body := e.Err.Error() + "\n"
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(e.Status)...)
	b = append(b, "\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n"...)
	switch e.Status {
	case http.StatusUpgradeRequired:
		b = append(b, "Sec-WebSocket-Version: 13\r\n"...)
	case http.StatusMethodNotAllowed:
		b = append(b, "Allow: GET\r\n"...)
	}
	b = append(b, "\r\n"...)
	return append(b, body...)
}
