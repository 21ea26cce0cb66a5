//go:build netpoll_portable || !(linux || darwin || freebsd)

package netpoll

// The portable backend's own queueing and closing steps; what it shares
// with the reactor is in conn_shared.go.

// ownedMin is the smallest owned remainder queued as it is; below it a copy
// into the tail buffer is cheaper than one more iovec.
const ownedMin = 16 << 10

// queue copies b to the tail of c's write queue (or, if owned and large,
// queues b itself) and reports whether b took a new buffer; false means it
// was coalesced into the tail buffer, whose writer is already under way.
// Called with c.mu held.
func (c *Conn) queue(b []byte, owned bool) bool {
	q := c.wq
	if q == nil {
		q = &writeQueue{}
		c.wq = q
	}
	keep := owned && len(b) >= ownedMin // queue b itself, uncopied
	if k := len(q.bufs); k > 0 && !keep {
		tail := q.bufs[k-1]
		if cap(tail)-len(tail) >= len(b) {
			q.bufs[k-1] = append(tail, b...)
			q.pending += len(b)
			return false
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
	return true
}

// sent drops the first n bytes, which the kernel took, from the queue.
func (q *writeQueue) sent(n int) {
	q.pending -= n
	for n > 0 {
		if n >= len(q.bufs[0]) {
			n -= len(q.bufs[0])
			q.bufs[0] = nil
			q.bufs = q.bufs[1:]
			continue
		}
		q.bufs[0] = q.bufs[0][n:]
		n = 0
	}
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
	c.wq = nil
	c.mu.Unlock()
	c.loop.post(func(l *loop) { l.finishClose(c) })
	return true
}

// setReason records why c closes unless a reason is already set.
func (c *Conn) setReason(err error) {
	c.mu.Lock()
	if c.reason == nil {
		c.reason = err
	}
	c.mu.Unlock()
}
