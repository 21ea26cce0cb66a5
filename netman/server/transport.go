package server

import (
	"github.com/netman-go/netman/netpoll"
)

// protocol is what a server speaks on its connections (packets or
// WebSocket), independent of the transport (plain TCP or TLS) under it.
// Its methods run on the connection's event loop (open also on a TLS
// handshake goroutine), one at a time per connection.
type protocol interface {
	open(c *connection)
	data(c *connection, b []byte) (consumed int, err error)
	close(c *connection, reason error)
}

// plain runs a protocol directly on netpoll connections.
type plain struct {
	s *Server
	p protocol
}

func (h plain) OnOpen(nc *netpoll.Conn) {
	c := h.s.newConn(nc)
	nc.SetContext(c)
	h.p.open(c)
}

func (h plain) OnData(nc *netpoll.Conn, b []byte) (int, error) {
	return h.p.data(nc.Context().(*connection), b)
}

func (h plain) OnClose(nc *netpoll.Conn, reason error) {
	if c, ok := nc.Context().(*connection); ok {
		h.p.close(c, reason)
	}
}
