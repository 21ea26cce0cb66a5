package server

import (
	"errors"
	"io"

	"github.com/netman-go/netman/framing"
	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netman/util"
	"github.com/netman-go/netman/netpoll"
)

// tcpHandler is the netpoll handler of a TCP server: it decodes packets and
// delivers them in order.
type tcpHandler struct{ s *Server }

func (h tcpHandler) OnOpen(nc *netpoll.Conn) {
	c := h.s.newConn(nc)
	c.dec = framing.NewDecoder(h.s.packer, framing.WithMaxBodyLength(int(h.s.opts.maxBodyLength)), framing.WithOwnedPayloads())
	nc.SetContext(c)
	h.s.opened(c)
}

func (h tcpHandler) OnData(nc *netpoll.Conn, data []byte) (int, error) {
	c := nc.Context().(*connection)
	err := c.dec.Feed(data, func(id uint32, payload []byte) error {
		h.s.deliver(c, job{kind: jobMessage, msg: util.NewMessage(id, payload)})
		return nil
	})
	return len(data), err
}

func (h tcpHandler) OnClose(nc *netpoll.Conn, reason error) {
	if c, ok := nc.Context().(*connection); ok {
		h.s.closed(c, reason)
	}
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
		if len(data) < 4096 {
			buf := make([]byte, 0, framing.DefaultHeaderLen+len(data))
			buf, err := framing.Default.AppendPack(buf, id, data)
			if err != nil {
				return 0, err
			}
			return s.wrote(t.Write(buf))
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
