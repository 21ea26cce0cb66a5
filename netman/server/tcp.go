package server

import (
	"errors"
	"io"
	"net/url"
	"sync"
	"unsafe"

	"github.com/netman-go/netman/framing"
	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netpoll"
	"github.com/netman-go/netman/router"
	"github.com/netman-go/netman/ws"
)

// tcpProtocol is the protocol of a TCP server: it decodes packets and
// delivers them in order, over plain TCP or TLS.
type tcpProtocol struct{ s *Server }

// tcpConn is a connection of a TCP server and its reading state.
type tcpConn struct {
	connection
	dec *framing.Decoder // the part of a message a read left, nil when none
}

// tcpOf returns the tcpConn of c, a connection of a TCP server: every one
// is allocated as a tcpConn (Server.newConn), with the connection first.
func tcpOf(c *connection) *tcpConn { return (*tcpConn)(unsafe.Pointer(c)) }

func (p tcpProtocol) newConn(t transport) *connection { return p.s.newConn(t) }
func (p tcpProtocol) open(c *connection)              { p.s.opened(c) }

func (p tcpProtocol) close(c *connection, reason error) { p.s.closed(c, reason) }

func (p tcpProtocol) onOpen(c *connection) {
	if h := p.s.opts.hooks; h != nil {
		h.OnOpen(c)
	}
}

func (p tcpProtocol) onClose(c *connection) {
	if h := p.s.opts.hooks; h != nil {
		h.OnClose(c)
	}
}

// onMessage runs one message through the middleware to its route.
func (p tcpProtocol) onMessage(r *request) {
	s := p.s
	r.rc.Reset(r.m.ID(), r)
	if _, err := s.rt.DispatchContext(&r.rc); errors.Is(err, router.ErrNoRoute) {
		s.unrLog.Warn().Int("conn", r.conn.id).Uint32("msg_id", r.m.ID()).Uint64("unrouted_total", s.rt.Unrouted()).
			Msg("message has no route")
	}
}

func (p tcpProtocol) send(c *connection, msgID uint32, data []byte) (int, error) {
	if c.has(flagClosed) {
		return 0, ErrConnClosed
	}
	return p.s.send(c.t, msgID, data)
}

func (tcpProtocol) text(*connection, []byte) (int, error)   { return 0, ErrNotWebsocket }
func (tcpProtocol) binary(*connection, []byte) (int, error) { return 0, ErrNotWebsocket }
func (tcpProtocol) closeConn(c *connection, _ int, _ string) error {
	return c.t.Close()
}
func (tcpProtocol) query(*connection) url.Values { return nil }

func (p tcpProtocol) encode(op ws.OpCode, msgID uint32, data []byte) (encoded, error) {
	if op == ws.OpText {
		return encoded{}, ErrNotWebsocket
	}
	b, err := framing.Pack(p.s.packer, msgID, data)
	return encoded{frame: b}, err
}

func (p tcpProtocol) writeEncoded(c *connection, m encoded) error {
	return p.s.writeShared(c.t, m.frame)
}
func (tcpProtocol) stopping()    {}
func (tcpProtocol) name() string { return "tcp" }

// data decodes whole messages straight from the loop's buffer. Only a
// connection left with part of a message gets a framing.Decoder to hold
// it, and loses it again once the message completes: an idle connection
// keeps no decoder.
func (p tcpProtocol) data(conn *connection, data []byte) (int, error) {
	s, c := p.s, tcpOf(conn)
	total := len(data)
	maxBody := s.opts.maxBodyLength
	for c.dec == nil && len(data) > 0 {
		id, payload, n, err := framing.DecodeMessage(s.packer, data, maxBody)
		if err != nil {
			return 0, err
		}
		if n == 0 {
			c.dec = s.newDecoder()
			break
		}
		if n < len(data) {
			s.disp.More(conn) // pipelined: gather the replies of this read's messages
		}
		s.disp.Deliver(conn, s.request(conn, id, payload, false))
		data = data[n:]
	}
	if c.dec == nil {
		return total, nil
	}
	err := c.dec.Feed(data, func(id uint32, payload []byte) error {
		s.disp.Deliver(conn, s.ownedRequest(conn, id, payload)) // payload is the decoder's gift (WithOwnedPayloads)
		return nil
	})
	if c.dec.Idle() {
		c.dec = nil
	}
	return total, err
}

// newDecoder returns the decoder for a connection left with part of a
// message. It hands each payload over in an allocation of its own, which
// becomes the message's storage, also with WithRequestPool: a message that
// spans reads is typically large, and copying it once more into a pooled
// buffer cost the 100 MiB benchmark a second copy and twice the memory.
func (s *Server) newDecoder() *framing.Decoder {
	return framing.NewDecoder(s.packer, framing.WithMaxBodyLength(s.opts.maxBodyLength), framing.WithOwnedPayloads())
}

// packer adapts a seed IPacker to framing.Packer.
type packer struct{ p iface.IPacker }

func (p packer) HeaderLen() int { return int(p.p.GetHeaderLength()) }

func (p packer) AppendPack(dst []byte, id uint32, payload []byte) ([]byte, error) {
	b, err := p.p.Pack(id, payload)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

func (p packer) DecodeHeader(header []byte) (uint32, int, error) {
	m, err := p.p.UnPack(header)
	if err != nil {
		return 0, 0, err
	}
	return m.ID(), int(m.Len()), nil
}

// send writes one packed message to t. With the default format the header
// and a large payload go out with one writev, without copying the payload.
func (s *Server) send(t transport, id uint32, data []byte) (int, error) {
	if _, ok := s.packer.(framing.DefaultPacker); ok {
		if len(data) <= smallMessage {
			// Small messages are packed into a pooled buffer: the
			// transport copies whatever it has to queue, so the buffer is
			// free again when Write returns.
			bp := sendBufs.Get().(*[]byte)
			buf, err := framing.Default.AppendPack((*bp)[:0], id, data)
			if err != nil {
				sendBufs.Put(bp)
				return 0, err
			}
			n, werr := t.Write(buf)
			*bp = buf
			sendBufs.Put(bp)
			return s.wrote(n, werr)
		}
		hdr, err := framing.Default.AppendHeader(make([]byte, 0, framing.DefaultHeaderLen), id, len(data))
		if err != nil {
			return 0, err
		}
		return s.wrote(t.Writev(hdr, data))
	}
	b, err := framing.Pack(s.packer, id, data)
	if err != nil {
		return 0, err
	}
	return s.wrote(t.Write(b))
}

// smallMessage is the largest payload Send copies behind its header into one
// pooled buffer for a single write; larger ones go out with writev, header
// and payload as they are (one syscall either way, no copy of big payloads).
const smallMessage = 16 << 10

var sendBufs = sync.Pool{New: func() any {
	b := make([]byte, 0, smallMessage+framing.DefaultHeaderLen)
	return &b
}}

// wrote maps the transport's closed error to netman's.
func (s *Server) wrote(n int, err error) (int, error) {
	if errors.Is(err, netpoll.ErrClosed) {
		return n, ErrConnClosed
	}
	return n, err
}

// normalClose tells whether a close reason is routine (not worth a warning).
func normalClose(reason error) bool {
	return reason == nil || errors.Is(reason, io.EOF) || errors.Is(reason, netpoll.ErrClosed) ||
		errors.Is(reason, netpoll.ErrServerClosed)
}
