package ws

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error the package returns matches one of them with errors.Is.
var (
	// ErrClosed reports that the WebSocket is closed: Feed returns it (inside a *CloseError carrying
	// the peer's code) once the close handshake is complete and the glue should close the TCP
	// connection; writes return it after a close frame was sent.
	ErrClosed = errors.New("ws: connection closed")
	// ErrNotOpen reports a write attempted before the opening handshake completed.
	ErrNotOpen = errors.New("ws: handshake not complete")
	// ErrProtocol reports a violation of RFC 6455 by the peer; the connection was failed with close code 1002.
	ErrProtocol = errors.New("ws: protocol error")
	// ErrInvalidUTF8 reports a text message or close reason that is not valid UTF-8 (close code 1007).
	ErrInvalidUTF8 = errors.New("ws: invalid UTF-8")
	// ErrInvalidPayload reports a compressed message whose deflate stream is corrupt (close code 1007).
	ErrInvalidPayload = errors.New("ws: invalid compressed payload")
	// ErrMessageTooBig reports a message larger than the configured maximum (close code 1009).
	ErrMessageTooBig = errors.New("ws: message too big")
	// ErrInvalidCloseCode reports a close code that may not be sent in a close frame.
	ErrInvalidCloseCode = errors.New("ws: invalid close code")
	// ErrInvalidOpCode reports a WriteMessage with an opcode other than text or binary.
	ErrInvalidOpCode = errors.New("ws: invalid opcode for a message")
	// ErrControlTooLong reports a ping payload longer than 125 bytes.
	ErrControlTooLong = errors.New("ws: control frame payload longer than 125 bytes")

	// ErrHandshake is matched by every *HandshakeError: the upgrade request was rejected.
	ErrHandshake = errors.New("ws: bad handshake")
	// ErrHeaderTooLarge reports an upgrade request whose header exceeds the limit (HTTP 431).
	ErrHeaderTooLarge = errors.New("ws: request header too large")
	// ErrMalformedRequest reports a request that is not valid HTTP/1.1 (HTTP 400 or 505).
	ErrMalformedRequest = errors.New("ws: malformed HTTP request")
	// ErrBadMethod reports an upgrade request whose method is not GET (HTTP 405).
	ErrBadMethod = errors.New("ws: request method is not GET")
	// ErrBadHost reports a missing or repeated Host header (HTTP 400).
	ErrBadHost = errors.New("ws: missing or repeated Host header")
	// ErrNotUpgrade reports a request without "Upgrade: websocket" and "Connection: upgrade" (HTTP 400).
	ErrNotUpgrade = errors.New("ws: not a websocket upgrade request")
	// ErrBadKey reports a Sec-WebSocket-Key that is missing or not the base64 form of 16 bytes (HTTP 400).
	ErrBadKey = errors.New("ws: bad Sec-WebSocket-Key")
	// ErrBadVersion reports a Sec-WebSocket-Version other than 13 (HTTP 426).
	ErrBadVersion = errors.New("ws: unsupported Sec-WebSocket-Version")
	// ErrForbiddenOrigin reports a request refused by the check-origin hook (HTTP 403).
	ErrForbiddenOrigin = errors.New("ws: origin not allowed")
	// ErrHTTPServed is returned by Feed after the WithHTTPHandler hook answered a plain HTTP
	// request: the response (with "Connection: close") was written and the glue closes the
	// connection. It is not a failure, and OnOpen was not called.
	ErrHTTPServed = errors.New("ws: plain HTTP request served")
)

// CloseError is returned by Feed when the WebSocket ends: Code is the close code the peer sent
// (when Err is ErrClosed) or the one this side sent when it failed the connection (Err is
// ErrProtocol, ErrInvalidUTF8, ErrInvalidPayload or ErrMessageTooBig).
type CloseError struct {
	Code   StatusCode // the close code sent or received
	Reason string     // the close reason sent or received, possibly ""
	Err    error      // the sentinel: why the WebSocket ended
	held   bool       // this side's close frame waits for ReleaseClose (see Feed)
}

// Error returns the sentinel's message followed by the close code and reason.
func (e *CloseError) Error() string {
	s := e.Err.Error() + " (" + strconv.Itoa(int(e.Code))
	if e.Reason != "" {
		s += " " + strconv.Quote(e.Reason)
	}
	return s + ")"
}

// Unwrap returns the sentinel error.
func (e *CloseError) Unwrap() error { return e.Err }

// HandshakeError is returned by Feed when the upgrade request is rejected; the HTTP response
// with Status was already written.
type HandshakeError struct {
	Status int   // HTTP status code that was sent
	Err    error // one of the handshake sentinels, e.g. ErrBadKey
}

// Error returns the sentinel's message and the HTTP status.
func (e *HandshakeError) Error() string {
	return e.Err.Error() + " (HTTP " + strconv.Itoa(e.Status) + ")"
}

// Unwrap returns the specific sentinel error.
func (e *HandshakeError) Unwrap() error { return e.Err }

// Is reports whether target is ErrHandshake, so every handshake failure matches it.
func (e *HandshakeError) Is(target error) bool { return target == ErrHandshake }
