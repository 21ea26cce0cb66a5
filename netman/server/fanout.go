package server

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/ws"
)

// fanout is the server's state for sending one message to many
// connections and for telling other packages (cluster) that a connection
// closed. It lives in Server as one field.
type fanout struct {
	watchers atomic.Pointer[[]func(iface.IConnect)]
	wmu      sync.Mutex // serializes OnConnClose
}

// encoded is a message encoded once for many connections by the server's
// protocol: a packet, or a prepared WebSocket frame.
type encoded struct {
	frame []byte
	pm    *ws.PreparedMessage
}

// ownedWriter is a transport that can queue a caller's buffer uncopied
// (*netpoll.Conn).
type ownedWriter interface {
	WriteOwned(b []byte) (int, error)
}

// SendMany sends one message to every connection in conns and returns how
// many accepted it. The message is encoded once (a packet on a TCP server,
// a WebSocket binary frame on a WebSocket server) and the same bytes go to
// every connection's write queue; over plain TCP a large message is queued
// as that one shared buffer, not copied per connection (a TLS connection
// encrypts it for itself). Like Send it never blocks: a connection whose
// write queue is full refuses the message, which is counted
// (Stats.WritesRefused) and logged, sampled, and closes the connection with
// WithCloseOnWriteOverflow; closed connections are skipped. Connections of
// another server are sent to one by one. err is only an encoding error
// (such as a body over the packer's limit), and then nothing was sent.
// The seed's loop over GetConnects calling Send keeps working; SendMany is
// the cheaper way to do it.
func (s *Server) SendMany(conns []iface.IConnect, msgID uint32, data []byte) (sent int, err error) {
	return s.sendMany(conns, ws.OpBinary, msgID, data)
}

// TextMany is SendMany for WebSocket text messages; on a TCP server it
// returns ErrNotWebsocket.
func (s *Server) TextMany(conns []iface.IConnect, data []byte) (sent int, err error) {
	return s.sendMany(conns, ws.OpText, 0, data)
}

func (s *Server) sendMany(conns []iface.IConnect, op ws.OpCode, msgID uint32, data []byte) (int, error) {
	m, err := s.proto.encode(op, msgID, data) // first, so a wrong call fails even with no connections
	if err != nil || len(conns) == 0 {
		return 0, err
	}
	sent := 0
	for _, ic := range conns {
		c, ok := ic.(*connection)
		var err error
		switch {
		case !ok || c.srv != s:
			if op == ws.OpText {
				_, err = ic.Text(data)
			} else {
				_, err = ic.Send(msgID, data)
			}
		case c.has(flagClosed):
			continue
		default:
			err = s.proto.writeEncoded(c, m)
		}
		if err == nil {
			sent++
			continue
		}
		s.sendFailed(ic, err)
	}
	return sent, nil
}

// writeShared writes a buffer shared by many connections: netpoll may queue
// it as it is (no connection ever writes into a queued buffer it was
// handed), other transports copy or encrypt it.
func (s *Server) writeShared(t transport, b []byte) error {
	var err error
	if ow, ok := t.(ownedWriter); ok {
		_, err = ow.WriteOwned(b)
	} else {
		_, err = t.Write(b)
	}
	_, err = s.wrote(0, err)
	return err
}

// sendFailed applies the write policy to a send SendMany could not queue:
// a full write queue is counted and logged (see refused); closed
// connections are routine.
func (s *Server) sendFailed(c iface.IConnect, err error) {
	switch {
	case errors.Is(err, ErrConnClosed):
	case errors.Is(err, ErrWriteQueueFull):
		if cc, ok := c.(*connection); ok {
			s.refused(cc)
		}
	default:
		s.writeLog.Warn().Int("conn", c.GetID()).Err(err).Msg("send failed")
	}
}

// SendRefused returns how many writes were refused because a connection's
// write queue was full: Stats().WritesRefused.
func (s *Server) SendRefused() uint64 { return s.writes.refused.Load() }

// OnConnClose registers f to be told that a connection closed. f runs on
// the connection's event loop right after the connection left the
// manager, before the OnClose hook or Close handler is queued, so it must
// not block (take a short lock, update a map). It lets a package such as
// cluster forget a connection without taking over the server's hooks.
// Watchers registered later than a connection's close miss it.
func (s *Server) OnConnClose(f func(iface.IConnect)) {
	s.fan.wmu.Lock()
	defer s.fan.wmu.Unlock()
	var next []func(iface.IConnect)
	if cur := s.fan.watchers.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, f)
	s.fan.watchers.Store(&next)
}

// notifyClosed runs the OnConnClose watchers for c; on the loop.
func (s *Server) notifyClosed(c *connection) {
	if w := s.fan.watchers.Load(); w != nil {
		for _, f := range *w {
			f(c)
		}
	}
}
