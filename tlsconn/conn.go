package tlsconn

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netman-go/netman/netpoll"
)

// Conn is one TLS connection served by a Server. Its methods are safe for
// concurrent use from any goroutine, and mirror those of *netpoll.Conn, so a
// layer above can serve TLS and plain connections the same way. A Conn is an
// io.Writer of plaintext.
type Conn struct {
	srv *Server
	low lower
	nc  *netpoll.Conn
	tc  *tls.Conn
	w   wire

	mu       sync.Mutex
	state    uint8      // changed on the loop only
	hsPaused bool       // handshake buffer full
	hs       *handshake // nil once the handshake is over
	out      *[]byte    // sealed records not yet handed to low; nil when none
	direct   bool       // a small write is being sealed: records go straight to low
	ctx      any

	closing     atomic.Bool // Close called or connection closed: no more writes or deliveries
	userPaused  atomic.Bool // PauseReading in effect
	established atomic.Bool // records mode: the wire reads src and collects writes
	redeliver   atomic.Bool // a redelivery of held-back plaintext is queued on the loop

	// Owned by the loop: record reads and the inner handler's callbacks
	// all run there.
	src   []byte // ciphertext being fed to crypto/tls
	rec   recordCursor
	plain netpoll.Input // plaintext not consumed (or, while paused, not delivered) yet

	// wmu serializes record writes and their hand-off to low, so records
	// reach the connection in the order they were sealed.
	wmu      sync.Mutex
	corks    uint8   // guarded by wmu: Cork calls not undone
	gathered *[]byte // guarded by wmu: plaintext of corked small writes, sealed at Uncork (pooled)
}

// sealedSize bounds the ciphertext of n plaintext bytes written with one
// tls.Conn.Write: records carry at least 1 KiB each (crypto/tls starts
// around 1.2 KiB and grows to 16 KiB), plus one short record, and the
// overhead of a record is at most 85 bytes (header, explicit IV, SHA-384
// MAC, CBC padding).
func sealedSize(n int) int { return n + (n/1024+2)*128 }

// directMax is the largest write whose records are handed to the connection
// one by one as crypto/tls seals them (one record, or a few while crypto/tls
// still sends small records early in a connection), saving a copy. Larger
// writes collect their records and hand them over in one write: one
// syscall instead of one per 16 KiB record.
const directMax = 16 << 10

// Write encrypts b and queues it as one contiguous piece of the plaintext
// stream. It never blocks (apart from waiting for concurrent writers of the
// same connection) and writes all of b or nothing: it returns len(b), nil,
// or 0 and netpoll.ErrClosed after Close, or netpoll.ErrWriteQueueFull when
// the ciphertext might not fit under the pending-write bound (see
// netpoll.WithMaxPendingWrite, the bound of the connection below); the
// stream is intact after a refused write.
func (c *Conn) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	c.wmu.Lock()
	bufs := [1][]byte{b}
	n, err := c.writeLocked(bufs[:], len(b))
	c.unlockWrites()
	return n, err
}

// writeLocked gathers a small write while corked, else seals what was
// gathered and then bufs. Called with wmu held.
func (c *Conn) writeLocked(bufs [][]byte, total int) (int, error) {
	if c.corks > 0 && total <= gatherMax {
		return c.gatherLocked(bufs, total)
	}
	if err := c.sealGatheredLocked(); err != nil {
		return 0, err
	}
	return c.sealLocked(bufs, total, true)
}

// gatherMax is the largest write a corked connection gathers; gatherLimit
// is the most plaintext it gathers before sealing it (one pooled buffer).
const (
	gatherMax   = 16 << 10
	gatherLimit = plainChunk
)

// gatherLocked keeps bufs to be sealed at Uncork with the rest of the batch,
// as one run of records, after checking that their ciphertext fits under
// the bound below (so Uncork cannot be refused). Called with wmu held.
func (c *Conn) gatherLocked(bufs [][]byte, total int) (int, error) {
	if c.closing.Load() {
		return 0, netpoll.ErrClosed
	}
	if c.gathered != nil && len(*c.gathered)+total > gatherLimit {
		if err := c.sealGatheredLocked(); err != nil {
			return 0, err
		}
	}
	cur := 0
	if c.gathered != nil {
		cur = len(*c.gathered)
	}
	p, bound := c.low.Pending(), c.low.MaxPendingWrite()
	if (p > 0 || cur > 0) && p+sealedSize(cur+total) > bound {
		c.low.NotifyDrain()
		return 0, netpoll.ErrWriteQueueFull
	}
	if c.gathered == nil {
		c.gathered = gatherPool.Get().(*[]byte)
	}
	for _, b := range bufs {
		*c.gathered = append(*c.gathered, b...)
	}
	return total, nil
}

// sealGatheredLocked seals the gathered plaintext, whose room was checked
// when it was gathered. Called with wmu held.
func (c *Conn) sealGatheredLocked() error {
	g := c.gathered
	if g == nil {
		return nil
	}
	c.gathered = nil
	one := [1][]byte{*g}
	_, err := c.sealLocked(one[:], len(*g), false)
	*g = (*g)[:0]
	gatherPool.Put(g)
	return err
}

// gatherPool holds the empty buffers corked writes are gathered in.
var gatherPool = sync.Pool{New: func() any { b := make([]byte, 0, gatherLimit); return &b }}

// Writev writes the buffers as one contiguous piece of the plaintext stream,
// with the guarantees of Write. It returns their total length on success.
func (c *Conn) Writev(bufs ...[]byte) (int, error) {
	total, parts := 0, 0
	for _, b := range bufs {
		total += len(b)
		if len(b) > 0 {
			parts++
		}
	}
	if total == 0 {
		return 0, nil
	}
	c.wmu.Lock()
	defer c.unlockWrites()
	if c.corks > 0 && total <= gatherMax {
		return c.gatherLocked(bufs, total)
	}
	if err := c.sealGatheredLocked(); err != nil {
		return 0, err
	}
	if parts > 1 && total <= plainChunk {
		// Small pieces are sealed as one record, not one record each.
		bp := plainPool.Get().(*[]byte)
		joined := (*bp)[:0]
		for _, b := range bufs {
			joined = append(joined, b...)
		}
		one := [1][]byte{joined}
		n, err := c.sealLocked(one[:], total, true)
		plainPool.Put(bp)
		return n, err
	}
	return c.sealLocked(bufs, total, true)
}

// sealLocked encrypts bufs and hands the records to the connection in one
// write; check says whether to check the pending bound first (gathered
// plaintext was checked when it was gathered). Called with wmu held.
func (c *Conn) sealLocked(bufs [][]byte, total int, check bool) (int, error) {
	if c.closing.Load() {
		return 0, netpoll.ErrClosed
	}
	size := sealedSize(total)
	p, bound := c.low.Pending(), c.low.MaxPendingWrite()
	if check && p > 0 && p+size > bound {
		c.low.NotifyDrain() // as netpoll does for the writes it refuses
		return 0, netpoll.ErrWriteQueueFull
	}
	if total <= directMax && p+size <= bound {
		// Every record fits under the bound, so each can be handed to
		// low as it is sealed (flushLocked ends this mode).
		c.mu.Lock()
		c.direct = true
		c.mu.Unlock()
	} else if size > pooledOut {
		c.mu.Lock()
		if c.out == nil {
			b := make([]byte, 0, size)
			c.out = &b
		} else if cap(*c.out)-len(*c.out) < size {
			b := make([]byte, len(*c.out), len(*c.out)+size)
			copy(b, *c.out)
			c.out = &b
		}
		c.mu.Unlock()
	}
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		if _, err := c.tc.Write(b); err != nil {
			_ = c.flushLocked()
			if errors.Is(err, netpoll.ErrWriteQueueFull) {
				// low refused a record handed over directly: the
				// records before it are out, so the stream is broken.
				return 0, c.recordsDropped(err)
			}
			// The record layer failed earlier (a fatal alert was sent or
			// received): the connection is closing.
			return 0, fmt.Errorf("%w: %w", netpoll.ErrClosed, err)
		}
	}
	if err := c.flushLocked(); err != nil {
		return 0, c.recordsDropped(err)
	}
	return total, nil
}

// unlockWrites ends a writer's turn. The loop flushes the records it seals
// itself (flushPending), so a writer leaves none behind.
func (c *Conn) unlockWrites() { c.wmu.Unlock() }

// Close sends close_notify and closes the connection gracefully: pending
// writes are flushed first, then the socket closes and OnClose runs with
// reason netpoll.ErrClosed. Close on a closing connection returns
// netpoll.ErrClosed.
func (c *Conn) Close() error { return c.CloseWithError(netpoll.ErrClosed) }

// CloseWithError closes the connection like Close, reporting reason to
// OnClose.
func (c *Conn) CloseWithError(reason error) error {
	if reason == nil {
		reason = netpoll.ErrClosed
	}
	c.wmu.Lock()
	if !c.closing.Load() {
		_ = c.sealGatheredLocked() // what was accepted goes out before close_notify
	}
	if c.closing.Swap(true) {
		c.unlockWrites()
		return netpoll.ErrClosed
	}
	c.mu.Lock()
	open := c.state == stOpen
	c.mu.Unlock()
	if open {
		if err := c.tc.CloseWrite(); err == nil {
			_ = c.flushLocked()
		}
	}
	c.unlockWrites()
	return c.low.CloseWithError(reason)
}

// CloseNow closes the connection at once, without close_notify; queued
// output is dropped. OnClose runs with reason netpoll.ErrClosed.
func (c *Conn) CloseNow() error {
	c.closing.Store(true)
	return c.low.CloseNow()
}

// Context returns the value set with SetContext.
func (c *Conn) Context() any {
	c.mu.Lock()
	v := c.ctx
	c.mu.Unlock()
	return v
}

// SetContext attaches a value to the connection, typically the protocol
// state of the layer above. (The netpoll.Conn's own context holds the Conn;
// do not replace it.)
func (c *Conn) SetContext(v any) {
	c.mu.Lock()
	c.ctx = v
	c.mu.Unlock()
}

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.low.RemoteAddr() }

// LocalAddr returns the local address of the connection.
func (c *Conn) LocalAddr() net.Addr { return c.low.LocalAddr() }

// ConnectionState returns the negotiated TLS parameters: version, cipher
// suite, ALPN protocol, server name, peer certificates.
func (c *Conn) ConnectionState() tls.ConnectionState { return c.tc.ConnectionState() }

// NetConn returns the underlying netpoll connection, for socket-level
// information. Writing to it or setting its context breaks the TLS stream.
func (c *Conn) NetConn() *netpoll.Conn { return c.nc }

// Pending returns the number of encrypted bytes the kernel has not taken yet.
func (c *Conn) Pending() int { return c.low.Pending() }

// SetIdleTimeout sets this connection's idle timeout, overriding the
// netpoll server's WithIdleTimeout; zero disables it.
func (c *Conn) SetIdleTimeout(d time.Duration) { c.low.SetIdleTimeout(d) }

// PauseReading stops delivering OnData, and reading from the socket, until
// ResumeReading. Plaintext already decrypted is kept (at most what one read
// brought) and delivered after ResumeReading.
func (c *Conn) PauseReading() {
	c.mu.Lock()
	c.userPaused.Store(true)
	if c.state != stClosed {
		c.applyPauseLocked()
	}
	c.mu.Unlock()
}

// ResumeReading undoes PauseReading. Plaintext that arrived while paused is
// delivered at once, on the connection's loop.
func (c *Conn) ResumeReading() {
	c.mu.Lock()
	c.userPaused.Store(false)
	if c.state != stClosed {
		c.applyPauseLocked()
	}
	c.mu.Unlock()
	c.Wake()
}

// Wake offers the plaintext the Handler left unconsumed (or that arrived
// while reading was paused) to OnData once more, on the connection's loop,
// without waiting for the peer's next bytes, like netpoll.Conn.Wake: for a
// handler that declined input until its replies drained (OnDrain).
func (c *Conn) Wake() {
	if c.redeliver.CompareAndSwap(false, true) {
		if c.low.Execute(func(*netpoll.Conn) { c.redeliverHeld() }) != nil {
			c.redeliver.Store(false) // closed: nothing to deliver
		}
	}
}

// Execute runs f on the connection's event loop, serialized with the
// Handler's calls for c, like netpoll.Conn.Execute (whose bound, MaxExecutes,
// it shares).
func (c *Conn) Execute(f func(c *Conn)) error {
	return c.low.Execute(func(*netpoll.Conn) { f(c) })
}

// WriteBlocked reports whether the encrypted output pending below is above
// the high-water mark (see netpoll.Conn.WriteBlocked): the signal to stop
// handing the peer's requests to the application until OnDrain.
func (c *Conn) WriteBlocked() bool { return c.low.WriteBlocked() }

// NotifyDrain asks for one OnDrain call (see DrainHandler) once the output
// pending below has drained to the low-water mark.
func (c *Conn) NotifyDrain() { c.low.NotifyDrain() }

// Cork gathers the plaintext of the connection's small writes (up to 16 KiB
// each) until the matching Uncork, which seals it as one run of records and
// hands them to the kernel with one write (see netpoll.Conn.Cork): a batch
// of replies costs one record, not one each. Each write is still
// all-or-nothing and checked against the pending bound when it is made. Cork
// calls nest; every Cork must be undone.
func (c *Conn) Cork() {
	c.wmu.Lock()
	if c.corks < 255 {
		c.corks++
	}
	c.wmu.Unlock()
	c.low.Cork()
}

// Uncork undoes one Cork; the last one seals and writes what was gathered.
func (c *Conn) Uncork() {
	c.wmu.Lock()
	if c.corks > 0 {
		c.corks--
	}
	if c.corks == 0 {
		_ = c.sealGatheredLocked() // a refusal now closes the connection (recordsDropped)
	}
	c.wmu.Unlock()
	c.low.Uncork()
}

// MaxPendingWrite returns the pending-write bound of the connection below,
// which Write checks before sealing.
func (c *Conn) MaxPendingWrite() int { return c.low.MaxPendingWrite() }
