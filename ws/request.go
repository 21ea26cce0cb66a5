package ws

import (
	"net/http"
	"net/url"
)

// Request is a parsed, valid upgrade request. The codec does not keep it after OnOpen returns,
// so the application may retain it (for example to read query parameters later).
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
	// Protocols lists the subprotocols offered in Sec-WebSocket-Protocol, in the client's order.
	Protocols []string
	// Subprotocol is the subprotocol selected (see WithSubprotocols), or "".
	Subprotocol string
	// Compressed reports whether permessage-deflate was negotiated.
	Compressed bool
	// Header holds every request header, keyed by canonical name.
	Header http.Header
}

// Query parses RawQuery; malformed pairs are dropped.
func (r *Request) Query() url.Values {
	v, _ := url.ParseQuery(r.RawQuery)
	return v
}
