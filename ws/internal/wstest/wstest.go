// Package wstest holds test helpers shared by the ws tests and the conformance suite: a client
// frame encoder, an upgrade request builder, a net.Conn glue that feeds a ws.ServerConn in random
// chunk sizes, and an echo handler. It is not part of the public API.
package wstest

import (
	"encoding/binary"
	"errors"
	"math/rand"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/netman-go/netman/ws"
)

// Key is the Sec-WebSocket-Key of RFC 6455's example and AcceptKey its Sec-WebSocket-Accept.
const (
	Key       = "dGhlIHNhbXBsZSBub25jZQ=="
	AcceptKey = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
)

// Mask is the masking key used by Frame.
var Mask = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// Request returns an upgrade request for path with extra header lines ("Name: value").
func Request(path string, extra ...string) string {
	var b strings.Builder
	b.WriteString("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
	b.WriteString("Sec-WebSocket-Key: " + Key + "\r\nSec-WebSocket-Version: 13\r\n")
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// Frame encodes a masked client frame. rsv holds the three RSV bits (4 = RSV1).
func Frame(op byte, fin bool, rsv byte, payload []byte) []byte {
	return frame(op, fin, rsv, payload, true)
}

// UnmaskedFrame encodes a frame without a mask (invalid from a client).
func UnmaskedFrame(op byte, fin bool, payload []byte) []byte {
	return frame(op, fin, 0, payload, false)
}

func frame(op byte, fin bool, rsv byte, payload []byte, masked bool) []byte {
	b := make([]byte, 0, 14+len(payload))
	b0 := op&0x0f | (rsv&7)<<4
	if fin {
		b0 |= 0x80
	}
	var mbit byte
	if masked {
		mbit = 0x80
	}
	n := len(payload)
	switch {
	case n <= 125:
		b = append(b, b0, mbit|byte(n))
	case n <= 0xffff:
		b = append(b, b0, mbit|126, byte(n>>8), byte(n))
	default:
		b = append(b, b0, mbit|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if !masked {
		return append(b, payload...)
	}
	b = append(b, Mask[:]...)
	for i, c := range payload {
		b = append(b, c^Mask[i&3])
	}
	return b
}

// ClosePayload returns the payload of a close frame.
func ClosePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

// ServerFrame is a frame decoded from the server's output.
type ServerFrame struct {
	Fin     bool
	Rsv     byte
	Op      byte
	Payload []byte
}

// ParseServerFrame decodes one unmasked frame from p; n is 0 if p holds no complete frame.
func ParseServerFrame(p []byte) (f ServerFrame, n int, err error) {
	if len(p) < 2 {
		return f, 0, nil
	}
	f.Fin = p[0]&0x80 != 0
	f.Rsv = (p[0] >> 4) & 7
	f.Op = p[0] & 0x0f
	if p[1]&0x80 != 0 {
		return f, 0, errors.New("wstest: server frame is masked")
	}
	hl, l := 2, int(p[1]&0x7f)
	switch l {
	case 126:
		if len(p) < 4 {
			return f, 0, nil
		}
		hl, l = 4, int(binary.BigEndian.Uint16(p[2:]))
	case 127:
		if len(p) < 10 {
			return f, 0, nil
		}
		hl, l = 10, int(binary.BigEndian.Uint64(p[2:]))
	}
	if len(p) < hl+l {
		return f, 0, nil
	}
	f.Payload = p[hl : hl+l]
	return f, hl + l, nil
}

// Echo is a ws.Handler that echoes every message with its opcode.
type Echo struct{}

// OnOpen does nothing.
func (Echo) OnOpen(*ws.ServerConn, ws.Request) {}

// OnMessage writes the message back.
func (Echo) OnMessage(c *ws.ServerConn, op ws.OpCode, p []byte) { _ = c.WriteMessage(op, p) }

// OnClose does nothing.
func (Echo) OnClose(*ws.ServerConn, ws.StatusCode, string) {}

// Server is a test glue: it accepts TCP connections on 127.0.0.1 and serves each on a goroutine
// that reads from the net.Conn and feeds the codec in random chunk sizes (often one byte), as
// the netpoll glue would feed it from an event loop.
type Server struct {
	Addr string
	l    net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
}

// NewServer starts serving srv on a random 127.0.0.1 port; seed drives the chunk sizes.
func NewServer(srv *ws.Server, seed int64) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: l.Addr().String(), l: l}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for i := int64(0); ; i++ {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				err := ServeConn(nc, srv.NewConn(ws.NopCloser(nc)), rand.New(rand.NewSource(seed+i)))
				s.mu.Lock()
				s.errs = append(s.errs, err)
				s.mu.Unlock()
			}()
		}
	}()
	return s, nil
}

// Errors returns the errors Feed returned so far, one per finished connection.
func (s *Server) Errors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

// Close stops accepting and waits for the connections to end.
func (s *Server) Close() {
	s.l.Close()
	s.wg.Wait()
}

// ServeConn feeds c from nc until Feed fails or nc ends, keeping unconsumed bytes as netpoll
// does, then closes nc the way the netpoll glue should: after a codec error it half-closes, so the
// peer reads the close frame before the FIN, and drains what the peer still sends for up to two
// seconds, so the kernel does not answer unread data with a reset that could destroy the close
// frame in flight. It returns Feed's error, or nil if the peer went away first.
func ServeConn(nc net.Conn, c *ws.ServerConn, rnd *rand.Rand) error {
	defer nc.Close()
	buf := make([]byte, 32<<10)
	var pending []byte
	for {
		n, rerr := nc.Read(buf)
		in := buf[:n]
		for len(in) > 0 {
			k := len(in)
			if rnd.Intn(4) == 0 {
				k = 1
			} else if rnd.Intn(2) == 0 {
				k = 1 + rnd.Intn(len(in))
			}
			pending = append(pending, in[:k]...)
			in = in[k:]
			m, err := c.Feed(pending)
			if m < 0 || m > len(pending) {
				panic("wstest: Feed consumed out of range")
			}
			pending = append(pending[:0], pending[m:]...)
			if err != nil {
				if tc, ok := nc.(*net.TCPConn); ok {
					_ = tc.CloseWrite()
					_ = nc.SetReadDeadline(time.Now().Add(2 * time.Second))
					for {
						if _, e := nc.Read(buf); e != nil {
							break
						}
					}
				}
				return err
			}
		}
		if rerr != nil {
			return nil
		}
	}
}
