package netpoll

// The Conn methods and loop steps that only touch a connection's state and
// queue and post work to its loop: the same for the reactor (conn_unix.go,
// loop.go) and the portable backend (conn_portable*.go, loop_portable.go),
// which provide what these call (write, enqueue, post, beginClose,
// finishClose, ...).

import "time"

// Write writes b as one contiguous piece of the stream. It never blocks:
// what the kernel does not take at once is copied into the connection's
// queue and sent when the socket is writable. It writes all of b or nothing:
// on success it returns len(b), nil. It fails with ErrClosed after Close,
// and with ErrWriteQueueFull when the pending bound would be exceeded.
func (c *Conn) Write(b []byte) (int, error) {
	return c.write([][]byte{b}, len(b), false)
}

// WriteOwned is Write for a buffer the caller hands over: what the kernel
// does not take at once is queued as b itself, not copied, so a large
// message is held once instead of twice. After a successful call the caller
// must not touch b again; after a failed one b is not kept and is the
// caller's again. It suits buffers made for one message (a layer's encoded
// output), not pooled ones. Small remainders are copied as with Write.
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
	c.loop.post(func(l *loop) { l.beginClose(c) })
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

// PauseReading stops reading from the socket (and so OnData) until
// ResumeReading. Use it for backpressure when the layer above cannot keep
// up; the peer is slowed by TCP flow control.
func (c *Conn) PauseReading() { c.setPaused(true) }

// ResumeReading undoes PauseReading.
func (c *Conn) ResumeReading() { c.setPaused(false) }

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
// however often it is asked for. With nothing kept yet it leaves a mark
// instead: a delivery under way on the loop (a handler that paused and was
// resumed from another goroutine before it returned) then redelivers what
// it keeps (see deliver). Called with c.mu held.
func (c *Conn) redeliverLocked() {
	switch {
	case c.state&stLeftover == 0:
		c.state |= stResumed
	case c.state&stRedeliverPosted == 0:
		c.state |= stRedeliverPosted
		c.loop.post(func(l *loop) { l.redeliver(c) })
	}
}

// Execute runs f on the connection's event loop, from any goroutine, without
// blocking: f runs after the handler calls already made for c and is
// serialized with all of them, so it may touch state that only the
// connection's handler touches, and call its Handler as the loop would. This
// is how a layer above netpoll finishes work begun elsewhere (a TLS
// handshake, a worker's reply) on the connection's own loop, with no lock
// handed between goroutines.
//
// If Execute returns nil, f runs exactly once, even if the connection closes
// before its turn: then after OnClose (f can tell from its own state, which
// its OnClose updated). Execute returns ErrClosed if the connection is
// closed already, and ErrTooManyTasks if MaxExecutes of its functions are
// still waiting; layers that may call it often coalesce their calls (one
// pending flag per kind of work).
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
	posted := c.state&stIdlePosted != 0
	c.state |= stIdlePosted
	c.mu.Unlock()
	if posted {
		return // the queued task will apply the latest value
	}
	c.loop.post(func(l *loop) {
		c.mu.Lock()
		ms := c.idleSet
		c.state &^= stIdlePosted
		c.mu.Unlock()
		c.idleMs = ms
		l.watch(c)
	})
}

// deliver hands data (the loop's buffer, or c.in's) to the handler and
// keeps what it leaves unconsumed.
func (l *loop) deliver(c *Conn, data []byte) {
	hadLeftover := c.in.Len() > 0
	consumed, herr := l.srv.h.OnData(c, data)
	switch {
	case herr != nil:
		c.in = nil
	case c.in != nil || consumed != len(data):
		if c.in == nil {
			c.in = &Input{}
		}
		herr = c.in.Keep(data, consumed, l.srv.opts.MaxInputBuffer)
		if c.in.Len() == 0 {
			c.in = nil
		}
	}
	if has := c.in.Len() > 0; has != hadLeftover {
		// Keep stLeftover in step with c.in, so ResumeReading and Wake
		// post a redelivery only when there is something to redeliver.
		c.mu.Lock()
		if has {
			c.state |= stLeftover
			if c.state&stResumed != 0 && c.state&(stReadPaused|stClosing|stClosed) == 0 {
				c.redeliverLocked() // resumed while this call was keeping the bytes
			}
		} else {
			c.state &^= stLeftover
		}
		c.state &^= stResumed
		c.mu.Unlock()
	}
	if herr != nil {
		_ = c.CloseWithError(herr)
	}
}

// due returns the loop time at which c must be looked at again: its
// deadline, or the end of its idle time if that comes first (a closing
// connection has no idle time: beginClose clears it).
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

// overflow reports ErrWriteQueueFull; it is called with c.mu held and
// releases it.
func (c *Conn) overflow() error {
	closeIt := c.loop.srv.opts.CloseOnOverflow
	c.state |= stDrainWanted
	c.mu.Unlock()
	if closeIt {
		c.closeHard(ErrWriteQueueFull)
	}
	return ErrWriteQueueFull
}

// abort closes c at once with reason, keeping an earlier reason if one was
// set by Close.
func (l *loop) abort(c *Conn, reason error) {
	c.setReason(reason)
	l.finishClose(c)
}

// closeGracefully is CloseWithError on the loop itself: no task needed.
func (l *loop) closeGracefully(c *Conn, reason error) {
	c.mu.Lock()
	if c.state&(stClosing|stClosed) != 0 {
		c.mu.Unlock()
		return
	}
	c.state |= stClosing
	c.reason = reason
	c.mu.Unlock()
	l.beginClose(c)
}

// drained calls the handler's OnDrain for c (posted: from NotifyDrain's
// task) unless c is closing.
func (l *loop) drained(c *Conn, posted bool) {
	c.mu.Lock()
	if posted {
		c.state &^= stDrainPosted
	}
	closing := c.state&(stClosing|stClosed) != 0
	c.mu.Unlock()
	if d := l.srv.drainer; d != nil && !closing {
		d.OnDrain(c)
	}
}

// WriteBlocked reports whether the connection's pending output is above
// the high-water mark, half of WithMaxPendingWrite: while it is, netpoll does
// not read the connection (its peer is slowed by TCP flow control), and a
// layer above should not hand the peer's next request to its application;
// OnDrain (see DrainHandler) tells when the output has drained to a quarter.
// A closing connection is never write-blocked.
func (c *Conn) WriteBlocked() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state&(stWriteBlocked|stClosing|stClosed) == stWriteBlocked
}

// NotifyDrain asks for one OnDrain call (see DrainHandler) once the pending
// output is at or below the low-water mark: soon, on the loop, if it is there
// already. A writer that was refused with ErrWriteQueueFull and wants to try
// again waits for it (a refused Write asks for it by itself). It does
// nothing on a closing connection.
func (c *Conn) NotifyDrain() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state&(stClosing|stClosed) != 0 || c.state&stOpened == 0 {
		return
	}
	if c.wq != nil && c.wq.pending > c.loop.srv.opts.MaxPendingWrite/4 {
		c.state |= stDrainWanted
		return
	}
	if c.state&stDrainPosted == 0 {
		c.state |= stDrainPosted
		c.loop.post(func(l *loop) { l.drained(c, true) })
	}
}
