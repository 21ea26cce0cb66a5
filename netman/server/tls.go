package server

import (
	"errors"

	"github.com/netman-go/netman/netpoll"
)

func (s *Server) wrapTLS(h netpoll.Handler) netpoll.Handler { return h }

// checkPending refuses TLS until tlsconn is wired in.
func (s *Server) checkPending() {
	if s.tlsConfig != nil {
		s.configErr = errors.Join(s.configErr, ErrNotSupported)
	}
}
