//go:build netpoll_portable || !(linux || darwin || freebsd)

package netpoll

// The portable backend's own queueing and closing steps; what it shares
// with the reactor is in conn_shared.go.

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
	return q.push(b, owned)
}

// sent drops the first n bytes, which the kernel took, from the queue.
func (q *writeQueue) sent(n int) {
	q.pending -= n
	q.consume(n)
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
