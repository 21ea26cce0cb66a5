//go:build linux || darwin || freebsd

package netpoll

import (
	"bytes"
	"io"
	"testing"
	"time"
	"unsafe"
)

// TestWriteOwnedQueuesWithoutCopy: the remainder of a large WriteOwned the
// kernel did not take is queued as the caller's buffer itself; a later small
// Write is not coalesced into it (its spare capacity stays untouched); the
// peer receives every byte in order.
func TestWriteOwnedQueuesWithoutCopy(t *testing.T) {
	conns := make(chan *Conn, 1)
	s := startServer(t, HandlerFuncs{Open: func(c *Conn) { conns <- c }}, WithMaxPendingWrite(64<<20))
	cl := dial(t, s)
	c := <-conns

	const size = 16 << 20 // far more than loopback socket buffers hold
	backing := make([]byte, size+4096)
	for i := range backing {
		backing[i] = byte(i % 251)
	}
	owned := backing[:size]
	if _, err := c.WriteOwned(owned); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	var queued []byte
	if c.wq != nil && len(c.wq.bufs) > 0 {
		queued = c.wq.bufs[0]
	}
	c.mu.Unlock()
	if len(queued) == 0 {
		t.Fatal("the kernel took 16 MiB at once; nothing left to queue")
	}
	start := uintptr(unsafe.Pointer(&backing[0]))
	if p := uintptr(unsafe.Pointer(&queued[0])); p < start || p >= start+size {
		t.Fatal("the remainder was copied, not queued as the caller's buffer")
	}
	if _, err := c.Write([]byte("tail")); err != nil {
		t.Fatal(err)
	}
	for i := size; i < len(backing); i++ {
		if backing[i] != byte(i%251) {
			t.Fatalf("byte %d past the owned buffer's length was overwritten", i)
		}
	}
	cl.SetReadDeadline(time.Now().Add(30 * time.Second))
	got := make([]byte, size+4)
	if _, err := io.ReadFull(cl, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[:size], backing[:size]) || string(got[size:]) != "tail" {
		t.Fatal("the peer received other bytes than were written")
	}
}
