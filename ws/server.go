package ws

import (
	"sync"
)

// Handler receives the events of the connections of a Server. Its methods run on the goroutine
// that calls Feed (the connection's event loop) and must not block. A payload passed to a method
// may alias internal buffers: it is valid only until the method returns. A Request is a value
// the method may keep (see Request for what only works while OnOpen runs).
type Handler interface {
	// OnOpen is called once the 101 response has been written.
	OnOpen(c *ServerConn, r Request)
	// OnMessage is called with each complete, validated message; op is OpText or OpBinary.
	OnMessage(c *ServerConn, op OpCode, payload []byte)
	// OnClose is called when the peer's close frame arrives, with its code (StatusNoStatusRcvd
	// when it had none) and reason. It is not called when the connection is failed by this side
	// or drops without a close frame: Feed's error tells the glue about those.
	OnClose(c *ServerConn, code StatusCode, reason string)
}

// PongHandler may be implemented by a Handler to see pong frames (answers to Ping).
type PongHandler interface {
	// OnPong is called with the payload of each pong frame received.
	OnPong(c *ServerConn, payload []byte)
}

// Server holds the configuration shared by all its connections. It is safe for concurrent use.
type Server struct {
	handler      Handler
	pong         PongHandler
	maxMessage   int64
	maxHeader    int
	checkOrigin  func(r Request) bool
	httpHandler  HTTPHandlerFunc
	protocols    []string
	deflate      bool
	deflateOpts  DeflateOptions
	flateWriters sync.Pool // *flateWriter at deflateOpts.Level
}

// NewServer returns a Server that reports events to h, configured by opts.
func NewServer(h Handler, opts ...Option) *Server {
	s := &Server{
		handler:    h,
		maxMessage: DefaultMaxMessageSize,
		maxHeader:  DefaultMaxHeaderBytes,
	}
	s.pong, _ = h.(PongHandler)
	for _, o := range opts {
		o(s)
	}
	return s
}

// NewConn returns the codec of a new connection whose outgoing bytes go to t, which the codec
// closes when the WebSocket is over (see Transport).
func (s *Server) NewConn(t Transport) *ServerConn {
	c := &ServerConn{}
	s.InitConn(c, t)
	return c
}

// InitConn makes c, a ServerConn that was never used, the codec of a new connection whose
// outgoing bytes go to t, as NewConn does but in place: a glue can embed a ServerConn by value
// in its own per-connection struct and allocate both at once. c must not be copied afterwards.
func (s *Server) InitConn(c *ServerConn, t Transport) {
	c.srv = s
	c.w = t
}
