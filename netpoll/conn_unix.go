//go:build (linux || darwin || freebsd) && !netpoll_portable

package netpoll

import (
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// LocalAddr returns the local address of the connection.
func (c *Conn) LocalAddr() net.Addr {
	if c.local != nil {
		return c.local
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state&stClosed != 0 {
		return nil
	}
	sa, err := unix.Getsockname(c.fd)
	if err != nil {
		return nil
	}
	return net.TCPAddrFromAddrPort(sockaddrToAddrPort(sa))
}

// write is Write, Writev and WriteOwned: straight to the socket when
// nothing is queued, the remainder (or everything, behind a queue) to the
// queue; owned says the buffers may be queued without a copy.
func (c *Conn) write(bufs [][]byte, total int, owned bool) (int, error) {
	if total == 0 {
		return 0, nil
	}
	c.mu.Lock()
	if c.state&(stClosing|stClosed) != 0 {
		c.mu.Unlock()
		return 0, ErrClosed
	}
	n := 0
	if c.wq == nil {
		var err error
		n, err = writevFd(c.fd, bufs)
		if n == total {
			c.mu.Unlock()
			return n, nil
		}
		if err != nil && err != unix.EAGAIN {
			c.mu.Unlock()
			return c.writeFailed(n, err)
		}
	} else if c.wq.pending+total > c.loop.srv.opts.MaxPendingWrite {
		return 0, c.overflow()
	}
	for _, b := range bufs {
		if n >= len(b) {
			n -= len(b)
			continue
		}
		c.enqueue(b[n:], owned)
		n = 0
	}
	c.mu.Unlock()
	return total, nil
}

// writeFailed closes the connection after a fatal write error; n bytes went
// out before it.
func (c *Conn) writeFailed(n int, err error) (int, error) {
	err = fmt.Errorf("netpoll: write: %w", err)
	c.closeHard(err)
	return n, err
}

// enqueue copies b to the tail of the queue (or, if owned and large, queues
// b itself) and arms writability. Called with c.mu held. Small writes are
// coalesced into the tail buffer.
func (c *Conn) enqueue(b []byte, owned bool) {
	if !c.queue(b, owned) {
		return
	}
	q := c.wq
	changed := false
	if c.state&stWriteArmed == 0 {
		c.state |= stWriteArmed
		changed = true
	}
	// Backpressure: a peer that does not read its replies stops being
	// read until they drain, so an echo or request/response protocol
	// slows the peer down (TCP flow control) instead of failing its writes.
	if q.pending > c.loop.srv.opts.MaxPendingWrite/2 && c.state&stWriteBlocked == 0 {
		c.state |= stWriteBlocked
		changed = true
	}
	if changed {
		c.loop.p.mod(c.fd, c.readWanted(), true)
	}
}

// flush writes queued output; it runs on the loop when the socket is
// writable. It reports whether the connection should now be finalized, and
// whether OnDrain is due.
func (c *Conn) flush() (done, drained bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state&stClosed != 0 {
		return false, false, nil
	}
	low := c.loop.srv.opts.MaxPendingWrite / 4
	for q := c.wq; q != nil && len(q.bufs) > 0; {
		iov := q.bufs
		if len(iov) > maxIovecs {
			iov = iov[:maxIovecs]
		}
		n, werr := writevFd(c.fd, iov)
		if werr != nil && werr != unix.EAGAIN {
			return true, false, fmt.Errorf("netpoll: write: %w", werr)
		}
		q.sent(n)
		if c.state&(stWriteBlocked|stDrainWanted) != 0 && q.pending <= low {
			drained = c.state&stClosing == 0
			c.state &^= stDrainWanted
			if c.state&stWriteBlocked != 0 {
				c.state &^= stWriteBlocked
				c.loop.p.mod(c.fd, c.readWanted(), true)
			}
		}
		if werr == unix.EAGAIN {
			return false, drained, nil
		}
	}
	c.wq = nil
	if c.state&(stWriteArmed|stWriteBlocked) != 0 {
		c.state &^= stWriteArmed | stWriteBlocked
		c.loop.p.mod(c.fd, c.readWanted(), false)
	}
	return c.state&stClosing != 0, drained, nil
}

func (c *Conn) setPaused(paused bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state&stClosed != 0 || (c.state&stReadPaused != 0) == paused {
		return
	}
	if paused {
		c.state |= stReadPaused
	} else {
		c.state &^= stReadPaused
	}
	if c.state&stOpened != 0 {
		c.loop.p.mod(c.fd, c.readWanted(), c.state&stWriteArmed != 0)
		if !paused {
			// Bytes the handler left unconsumed must not wait for the
			// peer's next bytes, which may never come.
			c.redeliverLocked()
		}
	}
}

// CloseAfter closes the connection gracefully, with reason ErrDeadline, if it
// is still open d from now, whatever it receives meanwhile (unlike the idle
// timeout, which every read postpones). CloseAfter(0) cancels it; a later
// call replaces an earlier one. It suits a protocol phase with a deadline,
// such as a handshake, and uses the loop's timing wheel: no timer per
// connection. It must be called on the connection's loop: from a Handler
// method or a function run by Execute.
func (c *Conn) CloseAfter(d time.Duration) {
	l := c.loop
	c.mu.Lock()
	closing := c.state&(stClosing|stClosed) != 0
	c.mu.Unlock()
	if closing {
		return // the close has its own deadlines
	}
	if d <= 0 {
		c.deadline = 0 // the wheel drops or re-files its entry when it comes up
		return
	}
	c.deadline = l.now + int64(d)
	l.watchDeadline(c)
}

// Fd returns the socket's descriptor, for socket options the package does
// not wrap. Do not read, write or close it.
func (c *Conn) Fd() int { return c.fd }
