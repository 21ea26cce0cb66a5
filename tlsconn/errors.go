package tlsconn

import "errors"

var (
	// ErrHandshake wraps the error of a failed TLS handshake (bad ClientHello,
	// no common cipher suite, refused client certificate, ...). It is logged
	// through WithErrorLog; the inner Handler never sees the connection.
	ErrHandshake = errors.New("tlsconn: handshake failed")
	// ErrHandshakeTimeout is logged when a connection does not complete its
	// handshake within the handshake timeout (WithHandshakeTimeout).
	ErrHandshakeTimeout = errors.New("tlsconn: handshake timed out")
	// ErrNotTLS is logged when the first bytes of a connection cannot start a
	// TLS handshake (for example a plaintext HTTP request); such connections
	// are closed at once, without starting a handshake.
	ErrNotTLS = errors.New("tlsconn: first bytes are not a TLS handshake")
	// ErrTooManyHandshakes is logged when a connection is refused because
	// WithMaxHandshakes handshakes are running and WithHandshakeQueue more
	// are already waiting.
	ErrTooManyHandshakes = errors.New("tlsconn: too many pending handshakes")
	// ErrProtocol wraps a TLS error after the handshake (a record that fails
	// authentication, an unexpected message, a fatal alert from the peer). It
	// is the close reason reported to Handler.OnClose.
	ErrProtocol = errors.New("tlsconn: TLS protocol error")
	// ErrRecordsDropped is the close reason when sealed records could not be
	// handed to the connection below (something else filled its write queue
	// between the check before sealing and the hand-off): the TLS stream
	// cannot continue without them. It wraps the connection's error, usually
	// netpoll.ErrWriteQueueFull.
	ErrRecordsDropped = errors.New("tlsconn: sealed records dropped")
)
