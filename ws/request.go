package ws

import (
	"net/http"
	"net/textproto"
	"net/url"
)

// Request is a parsed, valid upgrade request. The codec does not keep it after OnOpen returns,
// so the application may retain it (for example to read query parameters later).
//
// A Request is two allocations: the struct and one copy of the raw request header block, of
// which every string field is a substring (Path is a new string when the path has %-escapes).
// Header and Protocols parse that block when called. Retaining a Request, or one of its
// strings, keeps the whole block alive: an application that keeps only a field for the
// connection's lifetime should clone it (strings.Clone).
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

	raw string // the request line and header fields as received, ending with the blank line
}

// Query parses RawQuery; malformed pairs are dropped.
func (r *Request) Query() url.Values {
	v, _ := url.ParseQuery(r.RawQuery)
	return v
}

// Header parses the request's header fields into a new http.Header keyed by canonical name
// (textproto.CanonicalMIMEHeaderKey), values in the order received, as net/http does. The
// codec checks the fields it needs without building this map, so an upgrade only pays for it
// when Header is called; each call parses again and returns a map the caller may modify.
func (r *Request) Header() http.Header {
	_, fields := nextLine(r.raw)
	h := make(http.Header)
	for len(fields) > 0 {
		var line string
		line, fields = nextLine(fields)
		if line == "" {
			break
		}
		if k, v, ok := splitHeaderLine(line); ok { // always ok: the block was checked
			key := textproto.CanonicalMIMEHeaderKey(k)
			h[key] = append(h[key], v)
		}
	}
	return h
}

// Protocols returns the subprotocols offered in Sec-WebSocket-Protocol, in the client's order
// (nil when none were offered). It parses the header block on each call.
func (r *Request) Protocols() []string {
	_, fields := nextLine(r.raw)
	var protocols []string
	eachValue(fields, fieldProtocol, func(v string) bool {
		eachToken(v, func(t string) bool {
			protocols = append(protocols, t)
			return true
		})
		return true
	})
	return protocols
}
