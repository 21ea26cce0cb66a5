package ws

import (
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"unsafe"
)

// Request is a parsed, valid upgrade request. It is passed by value, so an upgrade does not
// allocate it, and the application may keep it (for example to read query parameters later).
//
// Its string fields are copies made with one allocation (two when the path has %-escapes); the
// raw header block is not copied. Header and Protocols read that block, so call them only in
// the hook that received the Request (the WithCheckOrigin function, Handler.OnOpen or the
// WithHTTPHandler function), on its goroutine, and keep what they return, which is a copy.
// Called later on the goroutine that feeds the connection they return nil; they must not be
// called from any other goroutine after the hook returned (they read the codec's state).
type Request struct {
	// URI is the request-target exactly as sent, e.g. "/chat?room=1".
	URI string
	// Path is the decoded path of URI, e.g. "/chat".
	Path string
	// RawQuery is the query of URI without the '?', still encoded.
	RawQuery string
	// Host is the Host header.
	Host string
	// Origin is the Origin header ("" when absent, as with non-browser clients).
	Origin string
	// Subprotocol is the subprotocol selected (see WithSubprotocols), or "".
	Subprotocol string
	// Compressed reports whether permessage-deflate was negotiated.
	Compressed bool

	// c is the connection whose fs.msg holds the request line and header fields, as
	// received, while the hooks run (see header).
	c *ServerConn
}

// header returns the request line and header fields while the hooks run, else nil.
func (r *Request) header() []byte {
	if r.c == nil || r.c.rstate != readHooks {
		return nil
	}
	return r.c.fs.msg
}

// Query parses RawQuery; malformed pairs are dropped.
func (r *Request) Query() url.Values {
	v, _ := url.ParseQuery(r.RawQuery)
	return v
}

// Header parses the request's header fields into a new http.Header keyed by canonical name
// (textproto.CanonicalMIMEHeaderKey), values in the order received, as net/http does. The
// codec checks the fields it needs without building this map, so an upgrade only pays for it
// when Header is called; each call parses again and returns a map of copies that the caller
// may modify and keep. It returns nil once the hook that received r has returned (see Request).
func (r *Request) Header() http.Header {
	p := r.header()
	if p == nil {
		return nil
	}
	_, fields := nextLine(view(p))
	h := make(http.Header)
	for len(fields) > 0 {
		var line string
		line, fields = nextLine(fields)
		if line == "" {
			break
		}
		if k, v, ok := splitHeaderLine(line); ok { // always ok: the block was checked
			key := textproto.CanonicalMIMEHeaderKey(k)
			if key == k {
				key = strings.Clone(k) // not a view
			}
			h[key] = append(h[key], strings.Clone(v))
		}
	}
	return h
}

// Protocols returns the subprotocols offered in Sec-WebSocket-Protocol, in the client's order
// (nil when none were offered), as copies. Like Header, it parses the header block on each call
// and returns nil once the hook that received r has returned.
func (r *Request) Protocols() []string {
	p := r.header()
	if p == nil {
		return nil
	}
	_, fields := nextLine(view(p))
	var protocols []string
	eachValue(fields, fieldProtocol, func(v string) bool {
		eachToken(v, func(t string) bool {
			protocols = append(protocols, strings.Clone(t))
			return true
		})
		return true
	})
	return protocols
}

// view returns p as a string without copying it. The string must not be used, nor anything
// sliced from it kept, once p may change: the handshake parses the caller's buffer this way
// and copies what outlives it.
func view(p []byte) string { return unsafe.String(unsafe.SliceData(p), len(p)) }
