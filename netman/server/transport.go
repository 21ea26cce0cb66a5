package server

import (
	"net"
	"net/url"

	"github.com/netman-go/netman/ws"
)

// transport is a connection's lower layer: plain TCP (*netpoll.Conn) or
// TLS (*tlsconn.Conn), which carries the netman connection as its context.
// It is netman's one interface for "a connection below".
type transport interface {
	Write(b []byte) (int, error)
	Writev(bufs ...[]byte) (int, error)
	Close() error
	CloseNow() error
	CloseWithError(err error) error
	RemoteAddr() net.Addr
	LocalAddr() net.Addr
	PauseReading()
	ResumeReading()
	WriteBlocked() bool
	NotifyDrain()
	Cork()
	Uncork()
	Context() any
	SetContext(v any)
}

// protocol is what a server speaks on its connections (packets or
// WebSocket), independent of the transport under it. The Server and its
// connections reach the protocol only through it.
type protocol interface {
	// newConn allocates the connection of a new transport, with whatever
	// the protocol keeps per connection in the same allocation.
	newConn(t transport) *connection
	// Transport events, on the connection's event loop, one at a time.
	open(c *connection)
	data(c *connection, b []byte) (consumed int, err error)
	close(c *connection, reason error)

	// The application's events, run by the dispatcher in order: on the
	// connection's worker, or on its loop with WithHandlerOnLoop.
	onOpen(c *connection)
	onMessage(r *request)
	onClose(c *connection)

	// Writes and closes, from any goroutine.
	send(c *connection, msgID uint32, data []byte) (int, error)
	text(c *connection, data []byte) (int, error)
	binary(c *connection, data []byte) (int, error)
	closeConn(c *connection, code int, reason string) error
	query(c *connection) url.Values

	// encode packs one message once for many connections (SendMany), and
	// writeEncoded queues it on c.
	encode(op ws.OpCode, msgID uint32, data []byte) (encoded, error)
	writeEncoded(c *connection, m encoded) error

	// stopping runs when Shutdown begins, before the connections close.
	stopping()
	// name is the protocol's name in the server's log.
	name() string
}

// adapter runs a protocol on one transport's connections: as
// adapter[*netpoll.Conn] it is a netpoll.Handler (plain TCP), as
// adapter[*tlsconn.Conn] a tlsconn.Handler (TLS, where the loop decrypts
// and only the handshake runs on a short-lived, bounded goroutine).
type adapter[C transport] struct {
	s *Server
	p protocol
}

func (h adapter[C]) OnOpen(t C) {
	c := h.p.newConn(t)
	t.SetContext(c)
	h.p.open(c)
}

func (h adapter[C]) OnData(t C, b []byte) (int, error) {
	c := t.Context().(*connection)
	n, err := h.p.data(c, b)
	h.s.disp.EndInput(c) // the replies of this input's messages leave together
	return n, err
}

// OnDrain implements netpoll.DrainHandler and tlsconn.DrainHandler: the
// connection's output has drained, so its held-back messages go on and its
// waiting writers try again.
func (h adapter[C]) OnDrain(t C) {
	if c, ok := t.Context().(*connection); ok {
		h.s.disp.Wake(c)
		h.s.writes.wake(c)
	}
}

func (h adapter[C]) OnClose(t C, reason error) {
	if c, ok := t.Context().(*connection); ok {
		h.p.close(c, reason)
	}
}
