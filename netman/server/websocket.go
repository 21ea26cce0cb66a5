package server

import (
	"errors"

	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netpoll"
)

// ErrNotSupported is returned by Start for features whose layer has not
// landed yet.
var ErrNotSupported = errors.New("netman: not supported yet")

// Websocket returns a WebSocket server for ip:port whose events go to h.
func Websocket(ip string, port int, h iface.IWebsocketHandler, opts ...Option) *Server {
	s := New(ip, port, opts...)
	s.ws = h
	s.configErr = errors.Join(s.configErr, ErrNotSupported)
	return s
}

func (s *Server) wsHandler() netpoll.Handler { return tcpHandler{s} }
