package server

import (
	"io"
	"net"
	"testing"

	"github.com/netman-go/netman/netman/iface"
)

// discard is a transport for feeding the TCP protocol directly: it
// accepts and drops writes.
type discard struct{}

func (discard) Write(b []byte) (int, error)      { return len(b), nil }
func (discard) Writev(bs ...[]byte) (int, error) { return len(bs), nil }
func (discard) Close() error                     { return nil }
func (discard) CloseNow() error                  { return nil }
func (discard) CloseWithError(error) error       { return nil }
func (discard) RemoteAddr() net.Addr             { return nil }
func (discard) LocalAddr() net.Addr              { return nil }
func (discard) PauseReading()                    {}
func (discard) ResumeReading()                   {}
func (discard) Context() any                     { return nil }
func (discard) WriteBlocked() bool               { return false }
func (discard) NotifyDrain()                     {}
func (discard) Cork()                            {}
func (discard) Uncork()                          {}
func (discard) SetContext(any)                   {}

// TestHeaderAloneThenBody: a header arriving in one read and its body in
// the next is one message (a decoder waiting for a body holds no bytes
// yet, and must not be dropped as if it were idle).
func TestHeaderAloneThenBody(t *testing.T) {
	var got []string
	s := New("127.0.0.1", 0, WithLogOutput(io.Discard), WithHandlerOnLoop())
	s.AddRouter(5, routerFunc(func(r iface.IRequest) { got = append(got, r.GetMessage().String()) }))
	s.rt.Freeze()
	p := tcpProtocol{s}
	c := s.newConn(discard{})
	msg := pack(5, "payload")
	for _, chunk := range [][]byte{msg[:8], msg[8:], msg[:3], msg[3:8], msg[8:10], msg[10:]} {
		if n, err := p.data(c, chunk); err != nil || n != len(chunk) {
			t.Fatalf("data: %d, %v", n, err)
		}
	}
	if len(got) != 2 || got[0] != "payload" || got[1] != "payload" {
		t.Fatalf("got %q, want the message twice", got)
	}
}
