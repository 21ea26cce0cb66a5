package tlsconn

import (
	"bytes"
	"sync/atomic"
	"testing"

	"github.com/netman-go/netman/netpoll"
)

// amplifier answers each one-byte request with replyLen bytes, taking no
// request while WriteBlocked and resuming on OnDrain: the way a protocol on
// tlsconn loses no reply to a slow reader.
type amplifier struct {
	replyLen int
	refused  atomic.Int64
	drains   atomic.Int64
}

func (a *amplifier) OnOpen(*Conn) {}

func (a *amplifier) OnData(c *Conn, data []byte) (int, error) {
	for i, b := range data {
		if c.WriteBlocked() {
			return i, nil
		}
		if _, err := c.Write(bytes.Repeat([]byte{b}, a.replyLen)); err != nil {
			a.refused.Add(1)
			return len(data), err
		}
	}
	return len(data), nil
}

// OnDrain offers the requests left unconsumed again.
func (a *amplifier) OnDrain(c *Conn) {
	a.drains.Add(1)
	c.Wake()
}

func (a *amplifier) OnClose(*Conn, error) {}

func TestDrainHandlerLosesNoReplyOverTLS(t *testing.T) {
	const bound, replyLen, requests = 256 << 10, 8 << 10, 1024
	a := &amplifier{replyLen: replyLen}
	ns, _ := startTLS(t, serverConfig(), a, nil,
		netpoll.WithMaxPendingWrite(bound), netpoll.WithSocketBuffers(32<<10, 32<<10))
	c := dialTLS(t, ns.Addr().String(), nil)
	req := make([]byte, requests)
	for i := range req {
		req[i] = byte('a' + i%26)
	}
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4<<10)
	for i := 0; i < requests; i++ {
		got := make([]byte, 0, replyLen)
		for len(got) < replyLen {
			n, err := c.Read(buf[:min(len(buf), replyLen-len(got))])
			if err != nil {
				t.Fatalf("reply %d: %v after %d bytes", i, err, len(got))
			}
			got = append(got, buf[:n]...)
		}
		if !bytes.Equal(got, bytes.Repeat([]byte{req[i]}, replyLen)) {
			t.Fatalf("reply %d differs", i)
		}
	}
	if r := a.refused.Load(); r != 0 {
		t.Fatalf("%d writes refused", r)
	}
	if a.drains.Load() == 0 {
		t.Fatal("no OnDrain: the replies never backed up, so the test proved nothing")
	}
}
