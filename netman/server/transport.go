package server

// protocol is what a server speaks on its connections (packets or
// WebSocket), independent of the transport (plain TCP or TLS) under it.
// Its methods run on the connection's event loop (open also on a TLS
// handshake goroutine), one at a time per connection.
type protocol interface {
	open(c *connection)
	data(c *connection, b []byte) (consumed int, err error)
	close(c *connection, reason error)
}

// conn is what both transports' connections are: a transport that carries
// the netman connection as its context (*netpoll.Conn, *tlsconn.Conn).
type conn interface {
	transport
	Context() any
	SetContext(v any)
}

// adapter runs a protocol on one transport's connections: as
// adapter[*netpoll.Conn] it is a netpoll.Handler (plain TCP), as
// adapter[*tlsconn.Conn] a tlsconn.Handler (TLS, where the loop decrypts
// and only the handshake runs on a short-lived, bounded goroutine).
type adapter[C conn] struct {
	s *Server
	p protocol
}

func (h adapter[C]) OnOpen(t C) {
	c := h.s.newConn(t)
	t.SetContext(c)
	h.p.open(c)
}

func (h adapter[C]) OnData(t C, b []byte) (int, error) {
	return h.p.data(t.Context().(*connection), b)
}

func (h adapter[C]) OnClose(t C, reason error) {
	if c, ok := t.Context().(*connection); ok {
		h.p.close(c, reason)
	}
}
