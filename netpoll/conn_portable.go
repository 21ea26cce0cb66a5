//go:build netpoll_portable || !(linux || darwin || freebsd)

package netpoll

import (
	"net"
	"time"
)

// LocalAddr returns the local address of the connection.
func (c *Conn) LocalAddr() net.Addr {
	if c.local == nil {
		return nil
	}
	return c.local
}

// write is Write, Writev and WriteOwned: the buffers go to the queue,
// whole or not at all.
func (c *Conn) write(bufs [][]byte, total int, owned bool) (int, error) {
	if total == 0 {
		return 0, nil
	}
	c.mu.Lock()
	if c.state&(stClosing|stClosed) != 0 {
		c.mu.Unlock()
		return 0, ErrClosed
	}
	if c.wq != nil && c.wq.pending+total > c.loop.srv.opts.MaxPendingWrite {
		return 0, c.overflow()
	}
	for _, b := range bufs {
		if len(b) > 0 {
			c.enqueue(b, owned)
		}
	}
	c.mu.Unlock()
	return total, nil
}

// enqueue copies b to the tail of the queue (or, if owned and large, queues
// b itself) and starts the writer if it is not running. Called with c.mu
// held. Small writes are coalesced into the tail buffer.
func (c *Conn) enqueue(b []byte, owned bool) {
	if !c.queue(b, owned) {
		return
	}
	q := c.wq
	wake := false
	// Backpressure: a peer that does not read its replies stops being read
	// until they drain, so it is slowed down by TCP flow control.
	if q.pending > c.loop.srv.opts.MaxPendingWrite/2 && c.state&stWriteBlocked == 0 {
		c.state |= stWriteBlocked
		wake = true
	}
	// Corked, small writes wait for Uncork; a larger one sends what is
	// gathered ahead of it too.
	if c.state&stWriteArmed == 0 && (c.state&corkMask == 0 || len(b) > gatherMax) {
		c.state |= stWriteArmed
		go c.loop.writeLoop()
	}
	if wake {
		c.loop.wake() // stop reading now, not after the next bytes
	}
}

func (c *Conn) setPaused(paused bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state&stClosed != 0 || (c.state&stReadPaused != 0) == paused {
		return
	}
	if paused {
		c.state |= stReadPaused
		return // a read under way keeps its bytes for ResumeReading
	}
	c.state &^= stReadPaused
	if c.state&stOpened != 0 {
		// Bytes the handler left unconsumed must not wait for the peer's
		// next bytes, which may never come.
		c.redeliverLocked()
		c.loop.wake()
	}
}

// CloseAfter closes the connection gracefully, with reason ErrDeadline, if it
// is still open d from now, whatever it receives meanwhile (unlike the idle
// timeout, which every read postpones). CloseAfter(0) cancels it; a later
// call replaces an earlier one. It must be called on the connection's loop:
// from a Handler method or a function run by Execute.
func (c *Conn) CloseAfter(d time.Duration) {
	c.mu.Lock()
	closing := c.state&(stClosing|stClosed) != 0
	c.mu.Unlock()
	switch {
	case closing:
		// the close has its own deadlines
	case d <= 0:
		c.deadline = 0
	default:
		c.deadline = time.Now().UnixNano() + int64(d)
	}
}

// Fd returns the socket's descriptor (a SOCKET handle on Windows), for
// socket options the package does not wrap, or -1. Do not read, write or
// close it.
func (c *Conn) Fd() int { return c.fd }

// Cork gathers the connection's small writes (up to 16 KiB each) from any
// goroutine until the matching Uncork, which hands them to the writer
// goroutine at once, to leave together: a layer that handles a batch of
// requests corks around it, so its replies leave together instead of one
// write each. Nothing waits on a timer: the bytes go out at Uncork. Writes
// stay all-or-nothing, ordered and bounded by WithMaxPendingWrite (gathered
// bytes count as pending, and above half the bound the connection is
// write-blocked, as usual). Larger writes are not held: they, and what was
// gathered before them, go out at once. Cork calls nest (up to 15); every
// Cork must be undone. A graceful close sends what is gathered.
func (c *Conn) Cork() {
	c.mu.Lock()
	if c.state&corkMask != corkMask {
		c.state += corkOne
	}
	c.mu.Unlock()
}

// Uncork undoes one Cork; the last one starts sending what was gathered.
func (c *Conn) Uncork() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state&corkMask == 0 {
		return
	}
	c.state -= corkOne
	if c.state&corkMask == 0 && c.wq != nil && c.state&(stWriteArmed|stClosed) == 0 {
		c.state |= stWriteArmed
		go c.loop.writeLoop()
	}
}
