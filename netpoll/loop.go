//go:build (linux || darwin || freebsd) && !netpoll_portable

package netpoll

import (
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// A task is work posted to a loop from another goroutine.
type task func(l *loop)

// loop is one event loop: a goroutine that owns a poller and the
// connections registered with it.
type loop struct {
	idx   int
	srv   *Server
	p     *poller
	conns fdTable
	count atomic.Int64
	buf   []byte // shared read buffer

	mu       sync.Mutex
	tasks    []task // bounded: at most one of each kind per connection (close, hard close, redeliver, idle timeout), plus Dial and shutdown
	spare    []task
	newConns []*Conn // accepted, waiting to be registered
	spareNew []*Conn // newConns' other array, reused so accepting allocates nothing
	woken    atomic.Bool

	now      int64 // coarse clock, refreshed after every wait
	wheel    wheel
	shutting bool
	done     chan struct{}
}

func newLoop(s *Server, idx int) (*loop, error) {
	p, err := newPoller()
	if err != nil {
		return nil, err
	}
	l := &loop{
		idx:  idx,
		srv:  s,
		p:    p,
		buf:  make([]byte, s.opts.ReadBufferSize),
		now:  time.Now().UnixNano(),
		done: make(chan struct{}),
	}
	l.wheel.init(s.wheelTick(), l.now)
	return l, nil
}

// post queues t to run on the loop and wakes the loop if needed.
func (l *loop) post(t task) {
	l.mu.Lock()
	l.tasks = append(l.tasks, t)
	l.mu.Unlock()
	l.wake()
}

// wake interrupts the loop's wait unless a wake-up is already pending.
func (l *loop) wake() {
	if l.woken.CompareAndSwap(false, true) {
		if err := l.p.wake(); err != nil {
			l.srv.logError(fmt.Errorf("netpoll: wake loop %d: %w", l.idx, err))
		}
	}
}

// adopt hands an accepted connection to the loop; unlike post it
// allocates nothing per connection.
func (l *loop) adopt(c *Conn) {
	l.mu.Lock()
	l.newConns = append(l.newConns, c)
	l.mu.Unlock()
	l.wake()
}

func (l *loop) runTasks() {
	l.woken.Store(false)
	l.mu.Lock()
	tasks := l.tasks
	l.tasks, l.spare = l.spare[:0], nil
	conns := l.newConns
	l.newConns, l.spareNew = l.spareNew[:0], nil
	l.mu.Unlock()
	for i, c := range conns {
		if err := l.register(c); err != nil && err != ErrServerClosed {
			l.srv.logError(err)
		}
		conns[i] = nil
	}
	for i, t := range tasks {
		t(l)
		tasks[i] = nil
	}
	l.mu.Lock()
	if l.spare == nil {
		l.spare = tasks[:0]
	}
	if l.spareNew == nil {
		l.spareNew = conns[:0]
	}
	l.mu.Unlock()
}

func (l *loop) run() {
	defer close(l.done)
	defer l.p.close()
	busy := false
	for {
		if busy {
			// Let the goroutines this round made runnable (workers handed
			// messages, writers woken) run before the loop may sleep in
			// the kernel: a goroutine asleep in epoll_wait keeps its P
			// until sysmon retakes it, 20 µs or more later, and with
			// GOMAXPROCS=1 the core idles that long while they wait.
			runtime.Gosched()
		}
		n, woke, err := l.p.wait(l.wheel.timeoutMillis(time.Now().UnixNano()))
		if err != nil && err != unix.EINTR {
			l.srv.logError(fmt.Errorf("netpoll: loop %d wait: %w", l.idx, err))
		}
		busy = n > 0 || woke
		l.now = time.Now().UnixNano()
		for i := 0; i < n; i++ {
			fd, ev := l.p.event(i)
			if c := l.conns.get(fd); c != nil {
				l.handle(c, ev)
			}
		}
		if woke {
			l.runTasks()
		}
		l.wheel.advance(l)
		if l.shutting && l.count.Load() == 0 {
			l.mu.Lock()
			idle := len(l.tasks) == 0 && len(l.newConns) == 0
			l.mu.Unlock()
			if idle {
				return
			}
		}
	}
}

func (l *loop) handle(c *Conn, ev uint8) {
	if ev&evWrite != 0 {
		done, drained, err := c.flush()
		if err != nil {
			c.setReason(err)
			l.finishClose(c)
			return
		}
		if done {
			l.linger(c)
			return
		}
		if drained {
			l.drained(c, false)
		}
	}
	if ev&(evRead|evHup|evErr) != 0 {
		l.read(c, ev)
	}
}

func (l *loop) read(c *Conn, ev uint8) {
	c.mu.Lock()
	st := c.state
	c.mu.Unlock()
	if st&stClosed != 0 {
		return
	}
	if st&stClosing != 0 {
		// Graceful close in progress: input is no longer delivered. While
		// lingering it is read and dropped until the peer's EOF; a peer
		// that hung up ends a flush or a linger.
		if st&stLinger != 0 {
			n, err := readFd(c.fd, l.buf)
			if err == unix.EAGAIN || err == unix.EINTR {
				return
			}
			if err != nil || n == 0 {
				l.finishClose(c)
			}
			return
		}
		if ev&(evHup|evErr) != 0 {
			l.finishClose(c)
		}
		return
	}
	if st&(stReadPaused|stWriteBlocked) != 0 {
		if ev&evErr != 0 {
			l.abort(c, fmt.Errorf("netpoll: socket error while reading was paused"))
		}
		return
	}
	n, err := readFd(c.fd, l.buf)
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
		return
	case err != nil:
		l.abort(c, fmt.Errorf("netpoll: read: %w", err))
		return
	case n == 0:
		l.abort(c, io.EOF)
		return
	}
	c.lastRead = l.now
	data := l.buf[:n]
	if c.in != nil {
		data = c.in.Append(data)
	}
	l.deliver(c, data)
}

// redeliver offers the bytes c's handler left unconsumed once more, after
// ResumeReading.
func (l *loop) redeliver(c *Conn) {
	c.mu.Lock()
	st := c.state
	c.state &^= stRedeliverPosted
	c.mu.Unlock()
	if c.in.Len() == 0 || st&(stClosing|stClosed|stReadPaused) != 0 {
		return
	}
	l.deliver(c, c.in.Bytes())
}

// register adds a new connection to the loop and calls OnOpen.
func (l *loop) register(c *Conn) error {
	if l.shutting {
		unix.Close(c.fd)
		l.count.Add(-1)
		return ErrServerClosed
	}
	c.mu.Lock()
	read := c.readWanted()
	c.mu.Unlock()
	if err := l.p.add(c.fd, read); err != nil {
		unix.Close(c.fd)
		l.count.Add(-1)
		return fmt.Errorf("netpoll: register: %w", err)
	}
	l.conns.set(c.fd, c)
	c.lastRead = l.now
	c.idleMs = uint32(min(l.srv.opts.IdleTimeout.Milliseconds(), 1<<32-1))
	c.mu.Lock()
	c.state |= stOpened
	c.mu.Unlock()
	l.watch(c)
	l.srv.h.OnOpen(c)
	return nil
}

// beginClose runs on the loop after CloseWithError: it closes at once if
// nothing is pending, else waits for the flush, bounded by the close timeout.
func (l *loop) beginClose(c *Conn) {
	c.idleMs = 0 // a closing connection has only its flush and linger deadlines
	c.mu.Lock()
	if c.state&stClosed != 0 {
		c.mu.Unlock()
		return
	}
	if c.wq != nil && c.wq.pending > 0 && c.state&stHard == 0 {
		l.p.mod(c.fd, false, true)
		c.mu.Unlock()
		c.deadline = l.now + int64(l.srv.opts.CloseTimeout)
		l.watchDeadline(c)
		return
	}
	hard := c.state&stHard != 0
	c.mu.Unlock()
	if hard {
		l.finishClose(c)
		return
	}
	l.linger(c)
}

// linger runs once a graceful close has flushed: it shuts the write side
// down (the peer sees EOF after the last byte) and waits, bounded, for the
// peer to close, so unread input cannot turn the close into a reset.
func (l *loop) linger(c *Conn) {
	c.mu.Lock()
	if c.state&stClosed != 0 {
		c.mu.Unlock()
		return
	}
	if c.state&(stHard|stNoLinger) != 0 || l.srv.opts.Linger <= 0 || l.shutting {
		c.mu.Unlock()
		l.finishClose(c)
		return
	}
	if err := unix.Shutdown(c.fd, unix.SHUT_WR); err != nil {
		c.mu.Unlock()
		l.finishClose(c)
		return
	}
	c.state |= stLinger
	l.p.mod(c.fd, true, false)
	c.mu.Unlock()
	c.deadline = l.now + int64(l.srv.opts.Linger)
	l.watchDeadline(c)
}

// finishClose closes the socket and calls OnClose, once.
func (l *loop) finishClose(c *Conn) {
	c.mu.Lock()
	if c.state&stClosed != 0 {
		c.mu.Unlock()
		return
	}
	c.state |= stClosed
	opened := c.state&stOpened != 0
	reason := c.reason
	c.releaseQueue()
	c.mu.Unlock()

	if opened {
		l.p.del(c.fd)
		l.conns.set(c.fd, nil)
	}
	unix.Close(c.fd)
	c.in = nil
	l.count.Add(-1)
	if reason == nil {
		reason = ErrClosed
	}
	if opened {
		l.srv.h.OnClose(c, reason)
	}
}

// watch puts c in the timing wheel if it has a timeout and is not there.
func (l *loop) watch(c *Conn) {
	if c.wheeled > 0 || (c.idleMs == 0 && c.deadline == 0) {
		return
	}
	c.wheeled++
	l.wheel.insert(c, c.due())
}

// watchDeadline adds an entry for c's new close deadline even if c sits in
// the wheel already (at a later idle time, perhaps); the extra entry is
// dropped when it comes up.
func (l *loop) watchDeadline(c *Conn) {
	c.wheeled++
	l.wheel.insert(c, c.deadline)
}

// expire is called by the wheel for c when its slot comes up; it closes c
// or re-inserts it.
func (l *loop) expire(c *Conn) {
	c.wheeled--
	c.mu.Lock()
	st := c.state
	c.mu.Unlock()
	if st&stClosed != 0 {
		return
	}
	closing := st&stClosing != 0
	switch {
	case c.deadline != 0 && l.now >= c.deadline && closing:
		c.mu.Lock()
		if c.state&stLinger == 0 {
			c.reason = fmt.Errorf("%w (closing because: %w)", ErrFlushTimeout, c.reason)
		}
		c.mu.Unlock()
		l.finishClose(c)
		return
	case c.deadline != 0 && l.now >= c.deadline:
		c.deadline = 0
		l.closeGracefully(c, ErrDeadline)
		return
	case !closing && c.idleMs > 0 && l.now >= c.lastRead+int64(c.idleMs)*1e6:
		c.setReason(ErrIdleTimeout)
		l.finishClose(c)
		return
	}
	if c.wheeled == 0 {
		l.watch(c)
	}
}

// shutdown closes every connection of the loop, gracefully or not.
func (l *loop) shutdown(hard bool) {
	l.shutting = true
	l.conns.each(func(c *Conn) {
		if hard {
			c.closeHard(ErrServerClosed)
			return
		}
		c.mu.Lock()
		c.state |= stNoLinger
		lingering := c.state&stLinger != 0
		c.mu.Unlock()
		if lingering {
			l.finishClose(c) // flushed already; Shutdown does not linger
			return
		}
		_ = c.CloseWithError(ErrServerClosed)
	})
}

// setReason records why c closes unless a reason is already set.
func (c *Conn) setReason(err error) {
	c.mu.Lock()
	c.setReasonLocked(err)
	c.mu.Unlock()
}

func (c *Conn) setReasonLocked(err error) {
	if c.reason == nil {
		c.reason = err
	}
}
