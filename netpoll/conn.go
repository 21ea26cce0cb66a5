package netpoll

import (
	"net"
	"net/netip"
	"sync"
)

// writeQueue holds the output the kernel has not taken yet. A connection
// has one only while bytes are pending, so idle connections pay 8 bytes.
type writeQueue struct {
	pending int      // bytes in bufs
	bufs    [][]byte // oldest first
	gather  []byte   // the pooled buffer small corked writes are gathered in (see Cork); nil if none
}

// queuePool keeps the queues (with their gather buffers) that corked writes
// use, so that gathering a batch's replies allocates nothing.
var queuePool = sync.Pool{New: func() any {
	return &writeQueue{bufs: make([][]byte, 0, 4), gather: make([]byte, 0, gatherMax)}
}}

// gatherMax is the largest write a corked connection gathers, and the size
// of a gather buffer: larger writes are queued as usual (their syscall is
// not what costs).
const gatherMax = 16 << 10

// ownedMin is the smallest owned remainder queued as it is; below it a copy
// into the tail buffer is cheaper than one more iovec.
const ownedMin = 16 << 10

// push appends b to the queue: into the tail buffer when it has room, else
// as a new buffer, b itself if it is owned and large (uncopied) or a copy.
// It reports whether b took a new buffer.
func (q *writeQueue) push(b []byte, owned bool) bool {
	keep := owned && len(b) >= ownedMin // queue b itself, uncopied
	q.pending += len(b)
	if k := len(q.bufs); k > 0 && !keep {
		tail := q.bufs[k-1]
		if cap(tail)-len(tail) >= len(b) {
			q.bufs[k-1] = append(tail, b...)
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
	return true
}

// consume drops the first n bytes, which the kernel took, from the queue's
// buffers (q.pending is the caller's to update).
func (q *writeQueue) consume(n int) {
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

// releaseQueue drops c's queue, which the kernel has taken whole (or which a
// close discards), returning a gathering queue to the pool. Called with
// c.mu held.
func (c *Conn) releaseQueue() {
	q := c.wq
	c.wq = nil
	if q == nil || q.gather == nil {
		return
	}
	clear(q.bufs)
	q.bufs, q.pending, q.gather = q.bufs[:0], 0, q.gather[:0]
	queuePool.Put(q)
}

// Conn state bits, guarded by Conn.mu.
const (
	stClosing         uint32 = 1 << iota // Close called: no new writes, no more OnData
	stClosed                             // socket closed, OnClose called or about to be
	stWriteArmed                         // poller watches writability
	stReadPaused                         // PauseReading in effect
	stHard                               // close without flushing
	stOpened                             // OnOpen ran
	stLinger                             // write side shut down; input discarded until EOF
	stNoLinger                           // close without lingering (server shutdown)
	stWriteBlocked                       // reading paused: the write queue is past its high-water mark
	stLeftover                           // the handler left unconsumed bytes in c.in
	stRedeliverPosted                    // a redeliver task is queued on the loop
	stIdlePosted                         // a SetIdleTimeout task is queued on the loop
	stDrainWanted                        // OnDrain is due when the queue falls to the low-water mark
	stDrainPosted                        // an OnDrain task is queued on the loop
	stResumed                            // ResumeReading or Wake came while no kept bytes were recorded
)

// The state word's top bits count the functions Execute has queued for the
// connection and the loop has not run yet, and below them the Cork calls not
// yet undone.
const (
	corkShift = 24
	corkOne   = 1 << corkShift
	corkMask  = 0xf << corkShift
	execShift = 28
	execOne   = 1 << execShift
	// MaxExecutes is how many functions Conn.Execute may have waiting for
	// one connection at a time.
	MaxExecutes = 15
)

// readWanted reports whether the poller should watch c for input: not
// while the user paused reading, nor while output backs up. Called with
// c.mu held.
func (c *Conn) readWanted() bool {
	return c.state&(stReadPaused|stWriteBlocked) == 0
}

// Conn is one connection served by an event loop. Its methods are safe for
// concurrent use from any goroutine. A Conn is an io.Writer.
type Conn struct {
	fd     int
	loop   *loop
	ctx    any
	local  *net.TCPAddr // the listener's address when it is not a wildcard
	in     *Input       // bytes the handler left unconsumed; nil when none (an idle connection pays 8 bytes, not 24)
	mu     sync.Mutex
	wq     *writeQueue // guarded by mu; nil when nothing is pending
	reason error       // guarded by mu: why it is closing

	// Owned by the loop goroutine; no lock needed.
	lastRead int64 // loop clock (unix nanos) of the last read
	deadline int64 // loop clock: CloseAfter's deadline, or once closing the flush/linger deadline; 0 = none

	raddr   [16]byte // peer address, IPv4 in IPv4-mapped form
	rport   uint16
	wheeled uint8  // loop-owned: entries in the loop's timing wheel
	state   uint32 // guarded by mu
	idleMs  uint32 // loop-owned: idle timeout in milliseconds; 0 = none
	idleSet uint32 // guarded by mu: the idle timeout SetIdleTimeout asked for, in milliseconds
}

// Context returns the value set with SetContext.
func (c *Conn) Context() any {
	c.mu.Lock()
	v := c.ctx
	c.mu.Unlock()
	return v
}

// SetContext attaches a value to the connection, typically the protocol
// state of the layer above.
func (c *Conn) SetContext(v any) {
	c.mu.Lock()
	c.ctx = v
	c.mu.Unlock()
}

// RemoteAddr returns the peer's address. (An IPv6 zone is not kept.)
func (c *Conn) RemoteAddr() net.Addr {
	return net.TCPAddrFromAddrPort(netip.AddrPortFrom(netip.AddrFrom16(c.raddr).Unmap(), c.rport))
}

func (c *Conn) setRemote(ap netip.AddrPort) {
	c.raddr = ap.Addr().As16()
	c.rport = ap.Port()
}

// Pending returns the number of written bytes the kernel has not taken yet.
func (c *Conn) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wq == nil {
		return 0
	}
	return c.wq.pending
}

// Close closes the connection gracefully: bytes already accepted by Write
// are flushed first (for at most the close timeout), then the socket closes
// and OnClose runs with reason ErrClosed. Close on a closing connection
// returns ErrClosed.
func (c *Conn) Close() error { return c.CloseWithError(ErrClosed) }
