package ws

import (
	"crypto/sha1"
	"encoding/base64"
	"net/http"
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
	accept     [28]byte // Sec-WebSocket-Accept value
	extensions string   // Sec-WebSocket-Extensions response value, "" if none
	windowBits uint8    // server_max_window_bits agreed, 0 if unrestricted
	plain      bool     // a plain HTTP GET for the WithHTTPHandler hook, not an upgrade
}

func reject(status int, err error) *HandshakeError {
	return &HandshakeError{Status: status, Err: err}
}

// upgradeFields is what the handshake needs from the header fields. scanFields finds it in one
// pass over the raw header block, without allocating: the values are substrings of the block.
type upgradeFields struct {
	host, key, version, origin     string // the first field of each name
	hosts, keys, versions, origins int    // how many fields of each name
	upgrade                        bool   // an Upgrade field lists the token "websocket"
	connection                     bool   // a Connection field lists the token "upgrade"
	protocols                      bool   // Sec-WebSocket-Protocol is present
	extensions                     bool   // Sec-WebSocket-Extensions is present
}

// Header field names the handshake looks at; they are matched case-insensitively.
const (
	fieldHost       = "Host"
	fieldUpgrade    = "Upgrade"
	fieldConnection = "Connection"
	fieldKey        = "Sec-WebSocket-Key"
	fieldVersion    = "Sec-WebSocket-Version"
	fieldOrigin     = "Origin"
	fieldProtocol   = "Sec-WebSocket-Protocol"
	fieldExtensions = "Sec-WebSocket-Extensions"
)

// scanFields checks every header field line of fields (the header block after the request line)
// and collects what the handshake needs. ok is false if a line is malformed.
func scanFields(fields string) (f upgradeFields, ok bool) {
	for len(fields) > 0 {
		var line string
		line, fields = nextLine(fields)
		if line == "" {
			break
		}
		k, v, ok := splitHeaderLine(line)
		if !ok {
			return f, false
		}
		switch {
		case strings.EqualFold(k, fieldHost):
			if f.hosts == 0 {
				f.host = v
			}
			f.hosts++
		case strings.EqualFold(k, fieldUpgrade):
			f.upgrade = f.upgrade || hasToken(v, "websocket")
		case strings.EqualFold(k, fieldConnection):
			f.connection = f.connection || hasToken(v, "upgrade")
		case strings.EqualFold(k, fieldKey):
			if f.keys == 0 {
				f.key = v
			}
			f.keys++
		case strings.EqualFold(k, fieldVersion):
			if f.versions == 0 {
				f.version = v
			}
			f.versions++
		case strings.EqualFold(k, fieldOrigin):
			if f.origins == 0 {
				f.origin = v
			}
			f.origins++
		case strings.EqualFold(k, fieldProtocol):
			f.protocols = true
		case strings.EqualFold(k, fieldExtensions):
			f.extensions = true
		}
	}
	return f, true
}

// eachValue calls fn with the value of every field named name (case-insensitively) in fields,
// a header block already checked by scanFields, in order, until fn returns false.
func eachValue(fields, name string, fn func(v string) bool) {
	for len(fields) > 0 {
		var line string
		line, fields = nextLine(fields)
		if line == "" {
			return
		}
		if k, v, ok := splitHeaderLine(line); ok && strings.EqualFold(k, name) && !fn(v) {
			return
		}
	}
}

// eachToken calls fn with every non-empty element of the comma-separated list v, trimmed of
// spaces and tabs, until fn returns false.
func eachToken(v string, fn func(t string) bool) {
	for v != "" {
		var t string
		t, v, _ = strings.Cut(v, ",")
		if t = strings.Trim(t, " \t"); t != "" && !fn(t) {
			return
		}
	}
}

// hasToken reports whether an element of the comma-separated list v equals token, ignoring case.
func hasToken(v, token string) bool {
	found := false
	eachToken(v, func(t string) bool {
		found = strings.EqualFold(t, token)
		return !found
	})
	return found
}

// parseRequest parses and checks a complete upgrade request header (p holds everything up to
// and including the blank line). It reads p through a string view, without copying it, so
// nothing derived from the view may outlive the handshake: the Request's fields are copied into
// one string (the path is a new string when it has %-escapes), and Request.Header reads p
// through c only while the hooks run. The Request is a value, so a valid upgrade allocates that
// string and nothing else.
func (c *ServerConn) parseRequest(p []byte) (req Request, res handshakeResult, _ *HandshakeError) {
	s := c.srv
	raw := view(p)
	line, fields := nextLine(raw)
	method, target, version, ok := splitRequestLine(line)
	if !ok {
		return req, res, reject(http.StatusBadRequest, ErrMalformedRequest)
	}
	switch {
	case version == "HTTP/1.1":
	case len(version) == 8 && strings.HasPrefix(version, "HTTP/") && version[6] == '.' &&
		isDigit(version[5]) && isDigit(version[7]):
		if version[5] == '1' { // HTTP/1.0: valid HTTP, but the upgrade needs 1.1
			return req, res, reject(http.StatusBadRequest, ErrMalformedRequest)
		}
		return req, res, reject(http.StatusHTTPVersionNotSupported, ErrMalformedRequest)
	default:
		return req, res, reject(http.StatusBadRequest, ErrMalformedRequest)
	}
	if method != "GET" {
		return req, res, reject(http.StatusMethodNotAllowed, ErrBadMethod)
	}
	if _, _, ok := splitTarget(target); !ok {
		return req, res, reject(http.StatusBadRequest, ErrMalformedRequest)
	}
	f, ok := scanFields(fields)
	if !ok {
		return req, res, reject(http.StatusBadRequest, ErrMalformedRequest)
	}
	if s.httpHandler != nil && !f.upgrade {
		host := ""
		if f.hosts == 1 {
			host = f.host
		}
		res.plain = true
		return newRequest(c, target, host, f.origin), res, nil
	}

	if !f.upgrade || !f.connection {
		return req, res, reject(http.StatusBadRequest, ErrNotUpgrade)
	}
	if f.hosts != 1 {
		return req, res, reject(http.StatusBadRequest, ErrBadHost)
	}
	if f.versions != 1 || f.version != "13" {
		return req, res, reject(http.StatusUpgradeRequired, ErrBadVersion)
	}
	if f.keys != 1 || !validKey(f.key) {
		return req, res, reject(http.StatusBadRequest, ErrBadKey)
	}
	req = newRequest(c, target, f.host, f.origin)
	if f.protocols && len(s.protocols) > 0 {
		req.Subprotocol = s.selectProtocol(fields)
	}
	if s.deflate && f.extensions {
		res.extensions, res.windowBits, req.Compressed = negotiateDeflate(fields)
	}
	if s.checkOrigin != nil && !s.checkOrigin(req) {
		return req, res, reject(http.StatusForbidden, ErrForbiddenOrigin)
	}
	res.accept = acceptKey(f.key)
	return req, res, nil
}

// newRequest returns the Request of c's upgrade with copies of target, host and origin (views
// of the request, target a valid request-target), made with one allocation.
func newRequest(c *ServerConn, target, host, origin string) Request {
	var b strings.Builder
	b.Grow(len(target) + len(host) + len(origin))
	b.WriteString(target)
	b.WriteString(host)
	b.WriteString(origin)
	s := b.String()
	r := Request{URI: s[:len(target)], Host: s[len(target) : len(target)+len(host)], Origin: s[len(target)+len(host):], c: c}
	r.Path, r.RawQuery, _ = splitTarget(r.URI)
	return r
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

// selectProtocol returns the first subprotocol offered in the Sec-WebSocket-Protocol fields of
// the header block fields that the server speaks, or "".
func (s *Server) selectProtocol(fields string) string {
	selected := ""
	eachValue(fields, fieldProtocol, func(v string) bool {
		eachToken(v, func(p string) bool {
			for _, q := range s.protocols {
				if p == q {
					selected = q // not p, a view of the request
					return false
				}
			}
			return true
		})
		return selected == ""
	})
	return selected
}

// nextLine splits s after the first LF and strips the line's CRLF or LF.
func nextLine(s string) (line, rest string) {
	i := strings.IndexByte(s, '\n')
	if i < 0 {
		return s, ""
	}
	line, rest = s[:i], s[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

func splitRequestLine(line string) (method, target, version string, ok bool) {
	i := strings.IndexByte(line, ' ')
	if i <= 0 {
		return "", "", "", false
	}
	j := strings.IndexByte(line[i+1:], ' ')
	if j <= 0 {
		return "", "", "", false
	}
	j += i + 1
	m, t, v := line[:i], line[i+1:j], line[j+1:]
	if !isToken(m) || strings.IndexByte(v, ' ') >= 0 {
		return "", "", "", false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c <= ' ' || c == 0x7f {
			return "", "", "", false
		}
	}
	return m, t, v, true
}

// splitHeaderLine splits "Name: value"; it refuses obsolete line folding, whitespace before the
// colon, an empty or non-token name and control characters in the value.
func splitHeaderLine(line string) (k, v string, ok bool) {
	i := strings.IndexByte(line, ':')
	if i <= 0 || !isToken(line[:i]) {
		return "", "", false
	}
	v = strings.Trim(line[i+1:], " \t")
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return "", "", false
		}
	}
	return line[:i], v, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isToken reports whether p is a non-empty RFC 9110 token.
func isToken[T string | []byte](p T) bool {
	if len(p) == 0 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// validKey reports whether k is the base64 encoding of exactly 16 bytes.
func validKey(k string) bool {
	if len(k) != 24 {
		return false
	}
	var src [24]byte
	var b [18]byte
	copy(src[:], k)
	n, err := base64.StdEncoding.Strict().Decode(b[:], src[:])
	return err == nil && n == 16
}

// acceptKey returns the Sec-WebSocket-Accept value for key, a valid Sec-WebSocket-Key.
func acceptKey(key string) (accept [28]byte) {
	var b [24 + len(websocketGUID)]byte
	copy(b[copy(b[:], key):], websocketGUID)
	sum := sha1.Sum(b[:])
	base64.StdEncoding.Encode(accept[:], sum[:])
	return accept
}

// appendUpgradeResponse builds the 101 response.
func appendUpgradeResponse(b []byte, req *Request, res *handshakeResult) []byte {
	b = append(b, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	b = append(b, res.accept[:]...)
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
