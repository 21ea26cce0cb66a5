//go:build netpoll_portable || !(linux || darwin || freebsd)

package netpoll

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// minReadBuffer is the read buffer a connection starts with on the portable
// backend; it doubles, up to WithReadBufferSize, each time a read fills it.
const minReadBuffer = 1 << 10

// aLongTimeAgo is a read deadline in the past: setting it makes a blocked
// Read return at once, which is how a loop is woken.
var aLongTimeAgo = time.Unix(1, 0)

// A task is work posted to a loop from another goroutine.
type task func(l *loop)

// loop is, on the portable backend, one connection's own event loop: the
// goroutine that reads the socket and makes every handler call for the
// connection. A second goroutine, the writer, runs only while output is
// pending. s.loops lists the loops of the open connections.
type loop struct {
	srv   *Server
	c     *Conn
	nc    *net.TCPConn
	idx   int          // index in srv.loops; guarded by srv.mu
	count atomic.Int64 // 1 while the connection is open, for Server.Stats

	mu      sync.Mutex
	tasks   []task // bounded like the reactor's: one of each kind, plus MaxExecutes
	reading bool   // blocked in Read with a deadline a wake may move
	wakeCh  chan struct{}

	// Owned by the loop goroutine.
	buf     []byte
	stashed bool // c.in holds bytes read while reading was paused, never offered
	timer   *time.Timer

	// Owned by the writer goroutine.
	iov net.Buffers
}

// post queues t to run on the loop and wakes the loop.
func (l *loop) post(t task) {
	l.mu.Lock()
	l.tasks = append(l.tasks, t)
	l.interruptLocked()
	l.mu.Unlock()
}

// wake makes the loop look at its connection's state again.
func (l *loop) wake() {
	l.mu.Lock()
	l.interruptLocked()
	l.mu.Unlock()
}

// interruptLocked ends a blocked Read (its deadline moves to the past) or a
// wait. Called with l.mu held.
func (l *loop) interruptLocked() {
	if l.reading {
		l.reading = false
		_ = l.nc.SetReadDeadline(aLongTimeAgo)
	}
	select {
	case l.wakeCh <- struct{}{}:
	default:
	}
}

// runTasks runs what other goroutines posted, in order.
func (l *loop) runTasks() {
	for {
		l.mu.Lock()
		tasks := l.tasks
		l.tasks = nil
		l.mu.Unlock()
		if len(tasks) == 0 {
			return
		}
		for i, t := range tasks {
			t(l)
			tasks[i] = nil
		}
	}
}

// run is the connection's loop: OnOpen, then reads, timeouts and posted
// work until the connection is closed, then the work posted before the
// close (Execute's promise: it runs, after OnClose).
func (l *loop) run(opened chan struct{}) {
	c, s := l.c, l.srv
	c.lastRead = time.Now().UnixNano()
	c.idleMs = uint32(min(s.opts.IdleTimeout.Milliseconds(), 1<<32-1))
	c.mu.Lock()
	c.state |= stOpened
	c.mu.Unlock()
	s.h.OnOpen(c)
	if opened != nil {
		close(opened)
	}
	for l.step() {
	}
	l.runTasks()
	if l.timer != nil {
		l.timer.Stop()
	}
	s.removeLoop(l)
}

// step does one round of the loop; it reports false once the connection
// is closed.
func (l *loop) step() bool {
	c := l.c
	l.runTasks()
	c.mu.Lock()
	st := c.state
	flushed := c.wq == nil
	c.mu.Unlock()
	if st&stClosed != 0 {
		return false
	}
	now := time.Now().UnixNano()
	if l.expire(st, now) {
		return true
	}
	switch {
	case st&stLinger != 0:
		// Write side shut down: discard input until the peer's EOF.
		if _, err := l.read(c.deadline); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			l.finishClose(l.c)
		}
	case st&stClosing != 0:
		if flushed {
			l.linger()
			return true
		}
		l.wait(c.deadline) // the writer wakes the loop when it is done
	case st&(stReadPaused|stWriteBlocked) != 0:
		l.wait(c.due())
	case l.stashed:
		l.stashed = false
		l.deliver(c, c.in.Bytes())
	default:
		n, err := l.read(c.due())
		if n > 0 {
			l.received(n)
		}
		switch {
		case err == nil || errors.Is(err, os.ErrDeadlineExceeded):
		case err == io.EOF:
			l.abort(l.c, io.EOF)
		default:
			l.abort(l.c, fmt.Errorf("netpoll: read: %w", err))
		}
	}
	return true
}

// read reads into the connection's buffer until deadline (loop clock; 0 =
// none), unless work was posted meanwhile.
func (l *loop) read(deadline int64) (int, error) {
	if l.buf == nil {
		l.buf = make([]byte, min(minReadBuffer, l.srv.opts.ReadBufferSize))
	}
	var dl time.Time
	if deadline != 0 {
		dl = time.Unix(0, deadline)
	}
	l.mu.Lock()
	if len(l.tasks) > 0 {
		l.mu.Unlock()
		return 0, nil
	}
	// Set under l.mu, before reading is: a post either comes before (and
	// the check above sees its task) or moves this deadline into the past.
	// A bare wake that comes before (writes backing up) is seen after this
	// read: its bytes are then kept, not delivered, until reading resumes.
	_ = l.nc.SetReadDeadline(dl)
	l.reading = true
	l.mu.Unlock()
	n, err := l.nc.Read(l.buf)
	l.mu.Lock()
	l.reading = false
	l.mu.Unlock()
	return n, err
}

// received handles n bytes the last read put in l.buf.
func (l *loop) received(n int) {
	c := l.c
	data := l.buf[:n]
	if n == len(l.buf) && n < l.srv.opts.ReadBufferSize {
		l.buf = make([]byte, min(2*n, l.srv.opts.ReadBufferSize))
	}
	c.lastRead = time.Now().UnixNano()
	c.mu.Lock()
	st := c.state
	c.mu.Unlock()
	switch {
	case st&(stClosing|stClosed) != 0:
		// Closing: input is no longer delivered.
	case st&(stReadPaused|stWriteBlocked) != 0:
		// Read just before reading paused: keep it for when it resumes.
		if c.in == nil {
			c.in = &Input{}
		}
		if err := c.in.Keep(c.in.Append(data), 0, l.srv.opts.MaxInputBuffer); err != nil {
			c.in = nil
			l.abort(l.c, err)
			return
		}
		l.stashed = true
	default:
		if c.in != nil {
			data = c.in.Append(data)
		}
		l.deliver(c, data)
	}
}

// wait sleeps until the loop is woken or the loop clock reaches due (0 =
// no limit).
func (l *loop) wait(due int64) {
	l.mu.Lock()
	pending := len(l.tasks) > 0
	l.mu.Unlock()
	if pending {
		return
	}
	if due == 0 {
		<-l.wakeCh
		return
	}
	d := time.Duration(due - time.Now().UnixNano())
	if d <= 0 {
		return
	}
	if l.timer == nil {
		l.timer = time.NewTimer(d)
	} else {
		l.timer.Reset(d)
	}
	select {
	case <-l.wakeCh:
		l.timer.Stop()
	case <-l.timer.C:
	}
}

// expire closes the connection if one of its deadlines has passed; it
// reports whether it did something.
func (l *loop) expire(st uint32, now int64) bool {
	c := l.c
	closing := st&stClosing != 0
	switch {
	case c.deadline != 0 && now >= c.deadline && closing:
		c.mu.Lock()
		if c.state&stLinger == 0 {
			c.reason = fmt.Errorf("%w (closing because: %w)", ErrFlushTimeout, c.reason)
		}
		c.mu.Unlock()
		l.finishClose(l.c)
	case c.deadline != 0 && now >= c.deadline:
		c.deadline = 0
		l.closeGracefully(l.c, ErrDeadline)
	case !closing && c.idleMs > 0 && now >= c.lastRead+int64(c.idleMs)*1e6:
		l.abort(l.c, ErrIdleTimeout)
	default:
		return false
	}
	return true
}

// watch is where the reactor files a connection in its timing wheel; the
// portable loop needs nothing: it computes its connection's next deadline
// before every read or wait.
func (l *loop) watch(*Conn) {}

// redeliver offers the bytes the handler left unconsumed once more.
func (l *loop) redeliver(c *Conn) {
	c.mu.Lock()
	st := c.state
	c.state &^= stRedeliverPosted
	c.mu.Unlock()
	if c.in.Len() == 0 || st&(stClosing|stClosed|stReadPaused) != 0 {
		return
	}
	l.stashed = false
	l.deliver(c, c.in.Bytes())
}

// beginClose starts a graceful close on the loop: the writer gets the
// close timeout to flush what is pending, then the connection lingers.
func (l *loop) beginClose(c *Conn) {
	c.idleMs = 0 // a closing connection has only its flush and linger deadlines
	c.mu.Lock()
	if c.state&stClosed != 0 {
		c.mu.Unlock()
		return
	}
	hard := c.state&stHard != 0
	pending := c.wq != nil
	c.mu.Unlock()
	switch {
	case hard:
		l.finishClose(l.c)
	case pending:
		c.deadline = time.Now().UnixNano() + int64(l.srv.opts.CloseTimeout)
		_ = l.nc.SetWriteDeadline(time.Unix(0, c.deadline))
		c.mu.Lock()
		if c.state&(stWriteArmed|stClosed) == 0 && c.wq != nil {
			// Bytes gathered under a Cork never undone: the close sends them.
			c.state |= stWriteArmed
			go l.writeLoop()
		}
		c.mu.Unlock()
	default:
		l.linger()
	}
}

// linger runs once a graceful close has flushed: it shuts the write side
// down (the peer sees EOF after the last byte) and waits, bounded, for the
// peer to close, so unread input cannot turn the close into a reset.
func (l *loop) linger() {
	c := l.c
	c.mu.Lock()
	st := c.state
	c.mu.Unlock()
	if st&stClosed != 0 {
		return
	}
	if st&(stHard|stNoLinger) != 0 || l.srv.opts.Linger <= 0 || l.nc.CloseWrite() != nil {
		l.finishClose(l.c)
		return
	}
	c.mu.Lock()
	c.state |= stLinger
	c.mu.Unlock()
	c.deadline = time.Now().UnixNano() + int64(l.srv.opts.Linger)
}

// finishClose closes the socket and calls OnClose, once.
func (l *loop) finishClose(c *Conn) {
	c.mu.Lock()
	if c.state&stClosed != 0 {
		c.mu.Unlock()
		return
	}
	c.state |= stClosed
	reason := c.reason
	c.wq = nil
	c.mu.Unlock()
	_ = l.nc.Close() // also ends the writer's blocked write, if any
	c.in = nil
	l.buf = nil
	l.count.Store(0)
	if reason == nil {
		reason = ErrClosed
	}
	l.srv.h.OnClose(c, reason)
}

// writeLoop is the writer goroutine: it sends the queued output until the
// queue is empty, then exits. One runs at a time per connection, started by
// the write that makes the queue non-empty.
func (l *loop) writeLoop() {
	c := l.c
	bound := l.srv.opts.MaxPendingWrite
	for {
		c.mu.Lock()
		q := c.wq
		if q == nil || c.state&stClosed != 0 {
			c.state &^= stWriteArmed
			c.mu.Unlock()
			return
		}
		if len(q.bufs) == 0 {
			// Drained. The loop may be waiting for it: to read again, or to
			// finish a graceful close.
			c.wq = nil
			wake := c.state&(stWriteBlocked|stClosing) != 0
			c.state &^= stWriteArmed | stWriteBlocked
			if c.state&stDrainWanted != 0 {
				c.state &^= stDrainWanted
				if c.state&(stClosing|stDrainPosted) == 0 && l.srv.drainer != nil {
					c.state |= stDrainPosted
					l.post(func(l *loop) { l.drained(c, true) })
				}
			}
			c.mu.Unlock()
			if wake {
				l.wake()
			}
			return
		}
		// Write a copy of the slice headers: Buffers.WriteTo consumes it,
		// while writers may append to q.bufs (and into the tail's spare
		// capacity, past what this write sends).
		l.iov = append(l.iov[:0], q.bufs...)
		c.mu.Unlock()
		iov := l.iov
		n64, err := iov.WriteTo(l.nc)
		clear(l.iov[:cap(l.iov)])
		n := int(n64)
		c.mu.Lock()
		if c.wq != q {
			c.state &^= stWriteArmed
			c.mu.Unlock()
			return // closed hard meanwhile
		}
		q.sent(n)
		unblocked := false
		if c.state&(stWriteBlocked|stDrainWanted) != 0 && q.pending <= bound/4 {
			// Low-water mark: reading resumes, and OnDrain is due on the
			// loop (one posted task at a time, as NotifyDrain's).
			unblocked = c.state&stWriteBlocked != 0
			c.state &^= stWriteBlocked | stDrainWanted
			if c.state&(stClosing|stDrainPosted) == 0 && l.srv.drainer != nil {
				c.state |= stDrainPosted
				l.post(func(l *loop) { l.drained(c, true) })
			}
		}
		if err != nil {
			if c.state&stClosing != 0 && errors.Is(err, os.ErrDeadlineExceeded) {
				c.reason = fmt.Errorf("%w (closing because: %w)", ErrFlushTimeout, c.reason)
			} else if c.state&stClosing == 0 {
				c.reason = fmt.Errorf("netpoll: write: %w", err)
			}
			c.state |= stClosing | stHard
			c.state &^= stWriteArmed
			c.wq = nil
			c.mu.Unlock()
			l.post(func(l *loop) { l.finishClose(c) })
			return
		}
		c.mu.Unlock()
		if unblocked {
			l.wake()
		}
	}
}
