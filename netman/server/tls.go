package server

import (
	"github.com/netman-go/netman/netpoll"
	"github.com/netman-go/netman/tlsconn"
)

// transportHandler puts p on plain TCP, or on TLS when the server has a
// TLS configuration. Failed handshakes are logged, once each.
func (s *Server) transportHandler(p protocol) netpoll.Handler {
	if s.tlsConfig == nil {
		return adapter[*netpoll.Conn]{s, p}
	}
	opts := []tlsconn.Option{
		tlsconn.WithErrorLog(func(err error) { s.log.Warn().Err(err).Msg("tls") }),
	}
	if s.opts.tlsHandshake > 0 {
		opts = append(opts, tlsconn.WithHandshakeTimeout(s.opts.tlsHandshake))
	}
	if s.opts.tlsMaxHandshakes > 0 {
		opts = append(opts, tlsconn.WithMaxHandshakes(s.opts.tlsMaxHandshakes))
	}
	return tlsconn.NewServer(s.tlsConfig, adapter[*tlsconn.Conn]{s, p}, opts...)
}
