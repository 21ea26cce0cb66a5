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
	if c.state&corkMask != 0 && total <= gatherMax {
		// Corked: gathered for Uncork's one write, within the usual bound.
		if c.wq != nil && c.wq.pending+total > c.loop.srv.opts.MaxPendingWrite {
			return 0, c.overflow()
		}
		for _, b := range bufs {
			c.queue(b, false, false)
		}
		c.mu.Unlock()
		return total, nil
	}
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
func (c *Conn) enqueue(b []byte, owned bool) { c.queue(b, owned, true) }

// queue is enqueue; arm says whether to watch writability (not while
// corked: Uncork writes the gathered bytes itself).
func (c *Conn) queue(b []byte, owned, arm bool) {
	q := c.wq
	if q == nil {
		if arm {
			q = &writeQueue{}
		} else {
			q = queuePool.Get().(*writeQueue)
			q.bufs = append(q.bufs, q.gather)
		}
		c.wq = q
	}
	q.push(b, owned)
	c.watchQueue(arm)
}

// watchQueue arms writability (if arm) and applies the read backpressure of
// the queue's new size. Called with c.mu held.
func (c *Conn) watchQueue(arm bool) {
	changed := false
	if arm && c.state&stWriteArmed == 0 {
		c.state |= stWriteArmed
		changed = true
	}
	// Backpressure: a peer that does not read its replies stops being
	// read until they drain, so an echo or request/response protocol
	// slows the peer down (TCP flow control) instead of failing its writes.
	if c.wq.pending > c.loop.srv.opts.MaxPendingWrite/2 && c.state&stWriteBlocked == 0 {
		c.state |= stWriteBlocked
		changed = true
	}
	if changed {
		c.loop.p.mod(c.fd, c.readWanted(), c.state&stWriteArmed != 0)
	}
}

// Cork gathers the connection's small writes (up to 16 KiB each) from any
// goroutine until the matching Uncork, which writes them with one system
// call: a layer that handles a batch of requests corks around it, so its
// replies leave together instead of one write each. Nothing waits on a
// timer: the bytes go out at Uncork. Writes stay all-or-nothing, ordered and
// bounded by WithMaxPendingWrite (gathered bytes count as pending, and above
// half the bound the connection is write-blocked, as usual). Larger writes
// are not held: they go behind the gathered bytes in the queue, and the loop
// writes both. Cork calls nest (up to 15); every Cork must be undone.
func (c *Conn) Cork() {
	c.mu.Lock()
	if c.state&corkMask != corkMask {
		c.state += corkOne
	}
	c.mu.Unlock()
}

// Uncork undoes one Cork; the last one writes what was gathered, now, on
// the calling goroutine (what the kernel does not take is left to the loop).
func (c *Conn) Uncork() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state&corkMask == 0 {
		return
	}
	c.state -= corkOne
	q := c.wq
	if c.state&corkMask != 0 || q == nil || c.state&(stWriteArmed|stClosed) != 0 {
		return // still corked, nothing gathered, or the loop writes the queue anyway
	}
	n, err := writevFd(c.fd, q.iovecs())
	if err != nil && err != unix.EAGAIN {
		c.state |= stHard | stClosing
		c.setReasonLocked(fmt.Errorf("netpoll: write: %w", err))
		c.releaseQueue()
		c.loop.post(func(l *loop) { l.finishClose(c) })
		return
	}
	q.pending -= max(n, 0)
	if q.pending == 0 {
		c.releaseQueue()
		if c.state&(stWriteBlocked|stDrainWanted) != 0 {
			if c.state&stWriteBlocked != 0 {
				c.state &^= stWriteBlocked
				c.loop.p.mod(c.fd, c.readWanted(), false)
			}
			c.state &^= stDrainWanted
			if c.state&(stDrainPosted|stClosing) == 0 {
				c.state |= stDrainPosted
				c.loop.post(func(l *loop) { l.drained(c, true) })
			}
		}
		return
	}
	q.consume(n)
	c.watchQueue(true)
}

// iovecs returns the head of the queue that one writev may take.
func (q *writeQueue) iovecs() [][]byte {
	if len(q.bufs) > maxIovecs {
		return q.bufs[:maxIovecs]
	}
	return q.bufs
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
		n, werr := writevFd(c.fd, q.iovecs())
		if werr != nil && werr != unix.EAGAIN {
			return true, false, fmt.Errorf("netpoll: write: %w", werr)
		}
		q.pending -= n
		if c.state&(stWriteBlocked|stDrainWanted) != 0 && q.pending <= low {
			drained = c.state&stClosing == 0
			c.state &^= stDrainWanted
			if c.state&stWriteBlocked != 0 {
				c.state &^= stWriteBlocked
				c.loop.p.mod(c.fd, c.readWanted(), true)
			}
		}
		q.consume(n)
		if werr == unix.EAGAIN {
			return false, drained, nil
		}
	}
	c.releaseQueue()
	if c.state&(stWriteArmed|stWriteBlocked) != 0 {
		c.state &^= stWriteArmed | stWriteBlocked
		c.loop.p.mod(c.fd, c.readWanted(), false)
	}
	return c.state&stClosing != 0, drained, nil
}

// closeHard marks c for a close without flush and tells the loop. It
// reports false if c was already closed.
func (c *Conn) closeHard(reason error) bool {
	c.mu.Lock()
	if c.state&stClosed != 0 || c.state&stHard != 0 {
		c.mu.Unlock()
		return false
	}
	if c.state&stClosing == 0 {
		c.reason = reason
	}
	c.state |= stClosing | stHard
	c.releaseQueue()
	c.mu.Unlock()
	c.loop.post(func(l *loop) { l.finishClose(c) })
	return true
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
