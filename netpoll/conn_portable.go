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

// Write writes b as one contiguous piece of the stream. It never blocks:
// b is copied into the connection's queue, which the connection's writer
// goroutine sends. It writes all of b or nothing: on success it returns
// len(b), nil. It fails with ErrClosed after Close, and with
// ErrWriteQueueFull when the pending bound would be exceeded.
func (c *Conn) Write(b []byte) (int, error) {
	return c.write([][]byte{b}, len(b), false)
}

// WriteOwned is Write for a buffer the caller hands over: it is queued as
// b itself, not copied, so a large message is held once instead of twice.
// After a successful call the caller must not touch b again; after a failed
// one b is not kept and is the caller's again. It suits buffers made for one
// message (a layer's encoded output), not pooled ones. Small buffers are
// copied as with Write.
func (c *Conn) WriteOwned(b []byte) (int, error) {
	return c.write([][]byte{b}, len(b), true)
}

// Writev writes the buffers as one contiguous piece of the stream, with the
// same guarantees as Write. It returns the total length on success.
func (c *Conn) Writev(bufs ...[]byte) (int, error) {
	total := 0
	for _, b := range bufs {
		total += len(b)
	}
	return c.write(bufs, total, false)
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
		closeIt := c.loop.srv.opts.CloseOnOverflow
		c.mu.Unlock()
		if closeIt {
			c.closeHard(ErrWriteQueueFull)
		}
		return 0, ErrWriteQueueFull
	}
	for _, b := range bufs {
		if len(b) > 0 {
			c.enqueue(b, owned)
		}
	}
	c.mu.Unlock()
	return total, nil
}

// ownedMin is the smallest owned buffer queued as it is; below it a copy
// into the tail buffer is cheaper than one more buffer to send.
const ownedMin = 16 << 10

// enqueue copies b to the tail of the queue (or, if owned and large, queues
// b itself) and starts the writer if it is not running. Called with c.mu
// held. Small writes are coalesced into the tail buffer.
func (c *Conn) enqueue(b []byte, owned bool) {
	q := c.wq
	if q == nil {
		q = &writeQueue{}
		c.wq = q
	}
	keep := owned && len(b) >= ownedMin
	if k := len(q.bufs); k > 0 && !keep {
		if tail := q.bufs[k-1]; cap(tail)-len(tail) >= len(b) {
			q.bufs[k-1] = append(tail, b...)
			q.pending += len(b)
			return
		}
	}
	var buf []byte
	if keep {
		// Capacity clipped to the length: nothing is ever coalesced into
		// (written past the end of) a buffer the caller handed over.
		buf = b[:len(b):len(b)]
	} else {
		buf = make([]byte, len(b), max(len(b), 4096))
		copy(buf, b)
	}
	q.bufs = append(q.bufs, buf)
	q.pending += len(b)
	wake := false
	// Backpressure: a peer that does not read its replies stops being read
	// until they drain, so it is slowed down by TCP flow control.
	if q.pending > c.loop.srv.opts.MaxPendingWrite/2 && c.state&stWriteBlocked == 0 {
		c.state |= stWriteBlocked
		wake = true
	}
	if c.state&stWriteArmed == 0 {
		c.state |= stWriteArmed
		go c.loop.writeLoop()
	}
	if wake {
		c.loop.wake() // stop reading now, not after the next bytes
	}
}

// CloseWithError closes the connection gracefully like Close, reporting
// reason to OnClose. It returns ErrClosed if the connection was already
// closing.
func (c *Conn) CloseWithError(reason error) error {
	if reason == nil {
		reason = ErrClosed
	}
	c.mu.Lock()
	if c.state&(stClosing|stClosed) != 0 {
		c.mu.Unlock()
		return ErrClosed
	}
	c.state |= stClosing
	c.reason = reason
	c.mu.Unlock()
	c.loop.post((*loop).beginClose)
	return nil
}

// CloseNow closes the connection at once; queued output is dropped. OnClose
// runs with reason ErrClosed.
func (c *Conn) CloseNow() error {
	if !c.closeHard(ErrClosed) {
		return ErrClosed
	}
	return nil
}

// closeHard marks c for a close without flush and tells the loop. It
// reports false if c was already closed.
func (c *Conn) closeHard(reason error) bool {
	c.mu.Lock()
	if c.state&(stClosed|stHard) != 0 {
		c.mu.Unlock()
		return false
	}
	if c.state&stClosing == 0 {
		c.reason = reason
	}
	c.state |= stClosing | stHard
	c.wq = nil
	c.mu.Unlock()
	c.loop.post((*loop).finishClose)
	return true
}

// PauseReading stops reading from the socket (and so OnData) until
// ResumeReading. Use it for backpressure when the layer above cannot keep
// up; the peer is slowed by TCP flow control.
func (c *Conn) PauseReading() { c.setPaused(true) }

// ResumeReading undoes PauseReading.
func (c *Conn) ResumeReading() { c.setPaused(false) }

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

// Wake offers the bytes the handler left unconsumed to OnData once more, on
// the connection's loop, without waiting for the peer's next bytes: for a
// handler that declined input until something else happened (its layer
// above caught up, a reply drained). It does nothing when no bytes are kept,
// or while reading is paused (ResumeReading redelivers them).
func (c *Conn) Wake() {
	c.mu.Lock()
	if c.state&(stOpened|stClosing|stClosed|stReadPaused) == stOpened {
		c.redeliverLocked()
	}
	c.mu.Unlock()
}

// redeliverLocked posts a redelivery of the kept input, one task at a time
// however often it is asked for. Called with c.mu held.
func (c *Conn) redeliverLocked() {
	if c.state&(stLeftover|stRedeliverPosted) == stLeftover {
		c.state |= stRedeliverPosted
		c.loop.post((*loop).redeliver)
	}
}

// Execute runs f on the connection's loop, from any goroutine, without
// blocking: f runs after the handler calls already made for c and is
// serialized with all of them, so it may touch state that only the
// connection's handler touches, and call its Handler as the loop would.
//
// If Execute returns nil, f runs exactly once, even if the connection closes
// before its turn: then after OnClose. Execute returns ErrClosed if the
// connection is closed already, and ErrTooManyTasks if MaxExecutes of its
// functions are still waiting.
func (c *Conn) Execute(f func(c *Conn)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.state&stClosed != 0:
		return ErrClosed
	case c.state>>execShift >= MaxExecutes:
		return ErrTooManyTasks
	}
	c.state += execOne
	// Posted with c.mu held: the loop cannot finish closing c (which takes
	// c.mu) and exit before this task is in its queue, so f always runs.
	c.loop.post(func(*loop) {
		c.mu.Lock()
		c.state -= execOne
		c.mu.Unlock()
		f(c)
	})
	return nil
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

// MaxPendingWrite returns the bound on the connection's pending output
// (WithMaxPendingWrite), for a layer that must check it before producing
// bytes it cannot take back (tlsconn seals records only if they fit).
func (c *Conn) MaxPendingWrite() int { return c.loop.srv.opts.MaxPendingWrite }

// SetIdleTimeout sets this connection's idle timeout, overriding
// WithIdleTimeout; zero disables it.
func (c *Conn) SetIdleTimeout(d time.Duration) {
	ms := uint32(min(max(d.Milliseconds(), 0), 1<<32-1))
	c.mu.Lock()
	c.idleSet = ms
	posted := c.state&(stIdlePosted|stClosed) != 0
	c.state |= stIdlePosted
	c.mu.Unlock()
	if posted {
		return // the queued task will apply the latest value
	}
	c.loop.post(func(*loop) {
		c.mu.Lock()
		ms := c.idleSet
		c.state &^= stIdlePosted
		c.mu.Unlock()
		c.idleMs = ms
	})
}

// Fd returns the socket's descriptor (a SOCKET handle on Windows), for
// socket options the package does not wrap, or -1. Do not read, write or
// close it.
func (c *Conn) Fd() int { return c.fd }

// setReason records why c closes unless a reason is already set.
func (c *Conn) setReason(err error) {
	c.mu.Lock()
	if c.reason == nil {
		c.reason = err
	}
	c.mu.Unlock()
}

// due returns the loop time at which the loop must look at c again (0 =
// never): its deadline, or the end of its idle time if that comes first.
func (c *Conn) due() int64 {
	idle := int64(0)
	if c.idleMs > 0 {
		idle = c.lastRead + int64(c.idleMs)*1e6
	}
	if c.deadline != 0 && (idle == 0 || c.deadline < idle) {
		return c.deadline
	}
	return idle
}
