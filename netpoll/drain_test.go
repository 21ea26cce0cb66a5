//go:build linux || darwin || freebsd

package netpoll

import (
	"bytes"
	"io"
	"sync/atomic"
	"testing"
	"time"
)

// amplifier answers each one-byte request with a reply of replyLen bytes,
// far more than it received: the case backpressure on reads alone cannot
// bound. It is the documented way for a protocol on netpoll to lose no
// reply: stop taking requests while WriteBlocked, leave them unconsumed,
// and Wake the connection on OnDrain.
type amplifier struct {
	replyLen int
	refused  atomic.Int64
	drains   atomic.Int64
	maxPend  atomic.Int64
}

func (a *amplifier) OnOpen(*Conn) {}

func (a *amplifier) OnData(c *Conn, data []byte) (int, error) {
	for i, b := range data {
		if c.WriteBlocked() {
			return i, nil // the rest waits for OnDrain
		}
		if _, err := c.Write(bytes.Repeat([]byte{b}, a.replyLen)); err != nil {
			a.refused.Add(1)
			return len(data), err
		}
		if p := int64(c.Pending()); p > a.maxPend.Load() {
			a.maxPend.Store(p)
		}
	}
	return len(data), nil
}

func (a *amplifier) OnDrain(c *Conn) {
	a.drains.Add(1)
	c.Wake()
}

func (a *amplifier) OnClose(*Conn, error) {}

func TestDrainHandlerLosesNoReply(t *testing.T) {
	const bound, replyLen, requests = 256 << 10, 8 << 10, 2048
	a := &amplifier{replyLen: replyLen}
	s := startServer(t, a, WithMaxPendingWrite(bound), WithSocketBuffers(32<<10, 32<<10))
	c := dial(t, s)
	req := make([]byte, requests)
	for i := range req {
		req[i] = byte('a' + i%26)
	}
	if _, err := c.Write(req); err != nil { // one read: 16 MiB of replies due at once
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(60 * time.Second))
	buf := make([]byte, 4<<10) // small reads, as a slow client makes them
	for i := 0; i < requests; i++ {
		want := bytes.Repeat([]byte{req[i]}, replyLen)
		got := make([]byte, 0, replyLen)
		for len(got) < replyLen {
			n, err := c.Read(buf[:min(len(buf), replyLen-len(got))])
			if err != nil {
				t.Fatalf("reply %d: %v after %d bytes", i, err, len(got))
			}
			got = append(got, buf[:n]...)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("reply %d differs", i)
		}
	}
	if r := a.refused.Load(); r != 0 {
		t.Fatalf("%d writes refused", r)
	}
	if a.drains.Load() == 0 {
		t.Fatal("no OnDrain: the replies never backed up, so the test proved nothing")
	}
	// Above the high-water mark no request is taken, so the queue holds at
	// most one reply more than half the bound.
	if p := a.maxPend.Load(); p > bound/2+replyLen {
		t.Fatalf("pending reached %d bytes (bound %d)", p, bound)
	}
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, _ := io.ReadFull(c, buf[:1]); n != 0 {
		t.Fatal("more bytes than replies")
	}
}

func TestNotifyDrainWhenAlreadyDrained(t *testing.T) {
	drained := make(chan struct{}, 1)
	conns := make(chan *Conn, 1)
	s := startServer(t, struct {
		HandlerFuncs
		drainFunc
	}{HandlerFuncs{Open: func(c *Conn) { conns <- c }}, func(*Conn) { drained <- struct{}{} }})
	dial(t, s)
	c := <-conns
	c.NotifyDrain() // nothing pending: OnDrain comes at once, on the loop
	select {
	case <-drained:
	case <-time.After(20 * time.Second):
		t.Fatal("no OnDrain after NotifyDrain on an idle connection")
	}
}

type drainFunc func(*Conn)

func (f drainFunc) OnDrain(c *Conn) { f(c) }
