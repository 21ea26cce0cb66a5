//go:build linux || darwin || freebsd

package netpoll

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

func TestCorkGathersUntilUncork(t *testing.T) {
	conns := make(chan *Conn, 1)
	s := startServer(t, HandlerFuncs{Open: func(c *Conn) { conns <- c }})
	nc := dial(t, s)
	c := <-conns

	c.Cork()
	c.Cork() // nested: the outer Uncork writes
	var want bytes.Buffer
	for i := 0; i < 100; i++ {
		msg := fmt.Sprintf("reply %03d;", i)
		want.WriteString(msg)
		if i%2 == 0 {
			if _, err := c.Write([]byte(msg)); err != nil {
				t.Fatal(err)
			}
		} else if _, err := c.Writev([]byte(msg[:3]), []byte(msg[3:])); err != nil {
			t.Fatal(err)
		}
	}
	if p := c.Pending(); p != want.Len() {
		t.Fatalf("%d bytes pending while corked, want %d", p, want.Len())
	}
	c.Uncork()
	nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, err := nc.Read(make([]byte, 1)); n != 0 || !isTimeout(err) {
		t.Fatalf("read %d bytes (%v) before the last Uncork", n, err)
	}
	c.Uncork()
	got := make([]byte, want.Len())
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(nc, got); err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("after Uncork: %q, %v", got, err)
	}
	// The reactor's Uncork writes on the calling goroutine; the portable
	// backend's writer counts the bytes sent just after the peer has them.
	waitFor(t, "nothing pending after Uncork", func() bool { return c.Pending() == 0 })
}

// TestCorkKeepsOrderWithLargeWrites: a large write while corked is queued
// behind the gathered bytes, not before them.
func TestCorkKeepsOrderWithLargeWrites(t *testing.T) {
	conns := make(chan *Conn, 1)
	s := startServer(t, HandlerFuncs{Open: func(c *Conn) { conns <- c }})
	nc := dial(t, s)
	c := <-conns
	big := bytes.Repeat([]byte{'B'}, 1<<20)
	c.Cork()
	c.Write([]byte("small-1;"))
	if _, err := c.Write(big); err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("small-2;"))
	c.Uncork()
	want := append(append([]byte("small-1;"), big...), "small-2;"...)
	got := make([]byte, len(want))
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(nc, got); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("order broken or short read: %v", err)
	}
}

// TestCorkConcurrentWriters: writers on several goroutines while the
// connection is corked and uncorked repeatedly never interleave or lose a
// message.
func TestCorkConcurrentWriters(t *testing.T) {
	conns := make(chan *Conn, 1)
	s := startServer(t, HandlerFuncs{Open: func(c *Conn) { conns <- c }})
	nc := dial(t, s)
	c := <-conns
	const writers, each = 4, 500
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if i%10 == 0 {
					c.Cork()
				}
				for {
					_, err := c.Write([]byte(fmt.Sprintf("<%d:%04d>", w, i)))
					if err == nil {
						break
					}
					if !errors.Is(err, ErrWriteQueueFull) {
						t.Error(err)
						return
					}
					time.Sleep(time.Millisecond)
				}
				if i%10 == 9 {
					c.Uncork()
				}
			}
		}()
	}
	next := make([]int, writers)
	buf := make([]byte, 8)
	nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	for n := 0; n < writers*each; n++ {
		if _, err := io.ReadFull(nc, buf); err != nil {
			t.Fatalf("after %d messages: %v", n, err)
		}
		var w, i int
		if _, err := fmt.Sscanf(string(buf), "<%d:%04d>", &w, &i); err != nil || w < 0 || w >= writers || i != next[w] {
			t.Fatalf("message %q out of order (writer %d expected %d)", buf, w, next[w])
		}
		next[w]++
	}
	wg.Wait()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestCorkManyBuffers: more gathered buffers than one writev takes
// (IOV_MAX) still all go out, in order.
func TestCorkManyBuffers(t *testing.T) {
	conns := make(chan *Conn, 1)
	s := startServer(t, HandlerFuncs{Open: func(c *Conn) { conns <- c }})
	nc := dial(t, s)
	c := <-conns
	const writes, size = 1500, 2560 // one write per 4 KiB queue buffer: about 1500 buffers
	var want bytes.Buffer
	c.Cork()
	for i := 0; i < writes; i++ {
		b := bytes.Repeat([]byte{byte(i)}, size)
		want.Write(b)
		if _, err := c.Write(b); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	go c.Uncork()
	got := make([]byte, want.Len())
	nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.ReadFull(nc, got); err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("short or reordered: %v", err)
	}
}
