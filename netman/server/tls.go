package server

import (
	"github.com/netman-go/netman/netpoll"
	"github.com/netman-go/netman/tlsconn"
)

// secure runs a protocol on TLS connections: tlsconn decrypts on the loop
// and hands plaintext over; only the handshake runs on a short-lived,
// bounded goroutine.
type secure struct {
	s *Server
	p protocol
}

func (h secure) OnOpen(tc *tlsconn.Conn) {
	c := h.s.newConn(tc)
	tc.SetContext(c)
	h.p.open(c)
}

func (h secure) OnData(tc *tlsconn.Conn, b []byte) (int, error) {
	return h.p.data(tc.Context().(*connection), b)
}

func (h secure) OnClose(tc *tlsconn.Conn, reason error) {
	if c, ok := tc.Context().(*connection); ok {
		h.p.close(c, reason)
	}
}

// transportHandler puts p on plain TCP, or on TLS when the server has a
// TLS configuration. Failed handshakes are logged, once each.
func (s *Server) transportHandler(p protocol) netpoll.Handler {
	if s.tlsConfig == nil {
		return plain{s, p}
	}
	bound := netpoll.DefaultMaxPendingWrite
	if s.opts.maxPendingWrite > 0 {
		bound = s.opts.maxPendingWrite
	}
	return tlsconn.NewServer(s.tlsConfig, secure{s, p},
		tlsconn.WithMaxPendingWrite(bound), // tlsconn checks it before sealing; same bound as netpoll's
		tlsconn.WithErrorLog(func(err error) { s.log.Warn().Err(err).Msg("tls") }))
}
