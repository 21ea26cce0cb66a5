package server

import (
	"fmt"

	"github.com/netman-go/netman/netman/internal/dispatch"
)

// dispatcher runs the application's events of the server's connections.
type dispatcher = dispatch.Dispatcher[*connection, *request]

// jobs is the dispatch.Handler of a server: the application's events go to
// its protocol, and a full inbox pauses the connection's transport.
type jobs struct{ s *Server }

// Open, Message and Close run on a worker, or on the loop with
// WithHandlerOnLoop; on a worker, the connection's own writes may wait for
// room (see WithWriteWait), so the job marks the connection as in its
// handler.
func (j jobs) Open(c *connection) {
	if !j.s.opts.handlerOnLoop {
		c.set(flagInHandler)
		defer c.clearInHandler()
	}
	j.s.proto.onOpen(c)
}

func (j jobs) Message(c *connection, r *request) {
	if !j.s.opts.handlerOnLoop {
		c.set(flagInHandler)
		defer c.clearInHandler()
	}
	j.s.proto.onMessage(r)
	j.s.release(r)
}

func (j jobs) Close(c *connection) {
	if !j.s.opts.handlerOnLoop {
		c.set(flagInHandler)
		defer c.clearInHandler()
	}
	j.s.proto.onClose(c)
}

func (j jobs) Pause(c *connection)        { c.t.PauseReading() }
func (j jobs) Resume(c *connection)       { c.t.ResumeReading() }
func (j jobs) Blocked(c *connection) bool { return c.t.WriteBlocked() }
func (j jobs) Cork(c *connection)         { c.t.Cork() }
func (j jobs) Uncork(c *connection)       { c.t.Uncork() }

// Panicked logs a panic in user code and closes only that connection.
func (j jobs) Panicked(c *connection, v any, stack []byte) {
	j.s.log.Error().Int("conn", c.id).Str("panic", fmt.Sprint(v)).
		Bytes("stack", stack).Msg("handler panicked; closing its connection")
	_ = c.t.CloseNow()
}

func (s *Server) newDispatcher() *dispatcher {
	return dispatch.New[*connection, *request](jobs{s}, dispatch.Options{
		OnLoop:      s.opts.handlerOnLoop,
		Workers:     s.opts.workers,
		MaxMessages: s.opts.maxInbox,
	})
}
