package tlsconn

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netman-go/netman/netpoll"
)

// lower is the connection below a session: what the session writes to,
// and the loop it runs on. *netpoll.Conn implements it; the fuzz tests drive
// sessions with an in-memory one that plays the loop.
type lower interface {
	Write(b []byte) (int, error)
	WriteOwned(b []byte) (int, error)
	Pending() int
	MaxPendingWrite() int
	CloseWithError(reason error) error
	CloseNow() error
	PauseReading()
	ResumeReading()
	RemoteAddr() net.Addr
	LocalAddr() net.Addr
	SetIdleTimeout(d time.Duration)
	Execute(f func(*netpoll.Conn)) error
	CloseAfter(d time.Duration)
	WriteBlocked() bool
	NotifyDrain()
	Cork()
	Uncork()
}

// Session states, guarded by Conn.mu and changed only on the loop.
const (
	stHandshake uint8 = iota // waiting for the ClientHello, queued, or handshaking
	stOpen                   // handshake done, inner OnOpen called (or about to be)
	stClosed                 // closed; OnClose called (or never will be, if never opened)
)

const (
	// handshakeBufferLimit bounds the ciphertext buffered during the
	// handshake (a TLS 1.3 client may send application data right behind
	// its Finished); past it reading pauses until the handshake catches up.
	handshakeBufferLimit = 64 << 10
	// plainChunk is the plaintext gathered from several records before it
	// is handed to the inner handler.
	plainChunk = 64 << 10
	// pooledOut is the largest output buffer returned to outPool.
	pooledOut = 64 << 10
)

var (
	plainPool = sync.Pool{New: func() any { b := make([]byte, plainChunk); return &b }}
	outPool   = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10+512); return &b }}
)

// errWouldBlock is what the wire returns to crypto/tls when the bytes fed so
// far are used up. crypto/tls keeps a partial record and does not poison
// the connection when the error is a net.Error whose Temporary() is true
// (see readRecordOrCCS in crypto/tls/conn.go); TestWouldBlockIsRetryable
// checks that this still holds.
var errWouldBlock net.Error = wouldBlockError{}

type wouldBlockError struct{}

func (wouldBlockError) Error() string   { return "tlsconn: no more input" }
func (wouldBlockError) Timeout() bool   { return true }
func (wouldBlockError) Temporary() bool { return true }

// recordCursor follows the record boundaries of the ciphertext handed to
// crypto/tls, so that no read goes past the end of a record. crypto/tls
// then holds at most one record at a time, and its input buffer, which
// keeps its capacity for the life of the connection, grows only to the
// largest record (plus 512 bytes, and bytes.Buffer's doubling) instead of
// to a record plus the start of the next.
type recordCursor struct {
	hdr  [recordHeaderLen]byte
	hdrN uint8  // header bytes seen of the current record
	left uint16 // body bytes of the current record not yet handed over
}

// atBoundary reports whether every record handed over was complete.
func (r *recordCursor) atBoundary() bool { return r.hdrN == 0 }

// span returns how many of the first bytes of b (at least one) belong to
// the current record, and moves past them.
func (r *recordCursor) span(b []byte) int {
	n := 0
	for n < len(b) {
		if r.hdrN < recordHeaderLen {
			k := copy(r.hdr[r.hdrN:], b[n:])
			r.hdrN += uint8(k)
			n += k
			if r.hdrN < recordHeaderLen {
				return n
			}
			r.left = uint16(r.hdr[3])<<8 | uint16(r.hdr[4])
		}
		k := min(int(r.left), len(b)-n)
		r.left -= uint16(k)
		n += k
		if r.left == 0 {
			r.hdrN = 0
			return n
		}
	}
	return n
}

// handshake is the state a connection needs only until its handshake is
// over; it is dropped afterwards. Its deadline is the loop's (CloseAfter).
type handshake struct {
	cond      sync.Cond   // signalled when buf grows or err is set; L is Conn.mu
	buf       []byte      // ciphertext received and not yet read by crypto/tls
	err       error       // set when reads must fail (timeout, closed)
	scheduled bool        // handed to Server.schedule
	queued    atomic.Bool // in Server.queue and counted in Server.queuedLive
	running   bool        // a handshake goroutine is in HandshakeContext
	peerGone  error       // why the connection closed while the handshake was running
}

func (hs *handshake) fail(err error) {
	if hs.err == nil {
		hs.err = err
	}
	hs.buf = nil
	hs.cond.Broadcast()
}

// wire is the net.Conn crypto/tls reads records from and writes records to.
// During the handshake reads block on the handshake buffer and writes go
// straight to the connection; afterwards reads take the bytes being fed and
// writes are collected, so the records of one large Conn.Write reach the
// connection as one all-or-nothing write. The records of a small Conn.Write
// (see directMax) go straight to the connection: it was checked to have
// room for all of them.
type wire struct{ c *Conn }

func (w *wire) Read(p []byte) (int, error) {
	c := w.c
	if c.established.Load() {
		// Called by crypto/tls in pump, on the loop.
		if len(c.src) == 0 {
			return 0, errWouldBlock
		}
		n := c.rec.span(c.src[:min(len(p), len(c.src))])
		copy(p, c.src[:n])
		c.src = c.src[n:]
		return n, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	hs := c.hs
	for len(hs.buf) == 0 && hs.err == nil {
		hs.cond.Wait()
	}
	if len(hs.buf) == 0 {
		return 0, hs.err
	}
	n := c.rec.span(hs.buf[:min(len(p), len(hs.buf))])
	copy(p, hs.buf[:n])
	hs.buf = hs.buf[n:]
	if len(hs.buf) == 0 {
		hs.buf = nil
	}
	if c.hsPaused && len(hs.buf) < handshakeBufferLimit/2 {
		c.hsPaused = false
		c.applyPauseLocked()
	}
	return n, nil
}

func (w *wire) Write(p []byte) (int, error) {
	c := w.c
	if !c.established.Load() {
		return c.low.Write(p)
	}
	c.mu.Lock()
	if c.direct && c.out == nil {
		// A small Conn.Write: its records go straight to the connection,
		// without a copy into c.out. crypto/tls calls Write under its
		// output lock, so records still reach low in the order sealed.
		c.mu.Unlock()
		if _, err := c.low.Write(p); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if c.out == nil {
		c.out = outPool.Get().(*[]byte)
	}
	*c.out = append(*c.out, p...)
	c.mu.Unlock()
	return len(p), nil
}

// Close is called by crypto/tls only if the handshake is interrupted; it
// fails pending handshake reads.
func (w *wire) Close() error {
	c := w.c
	c.mu.Lock()
	if c.hs != nil {
		c.hs.fail(net.ErrClosed)
	}
	c.mu.Unlock()
	return nil
}

func (w *wire) LocalAddr() net.Addr              { return w.c.low.LocalAddr() }
func (w *wire) RemoteAddr() net.Addr             { return w.c.low.RemoteAddr() }
func (w *wire) SetDeadline(time.Time) error      { return nil }
func (w *wire) SetReadDeadline(time.Time) error  { return nil }
func (w *wire) SetWriteDeadline(time.Time) error { return nil }

// newConn starts the session of a new connection, on its loop: the
// handshake must be over within the handshake timeout.
func (s *Server) newConn(low lower, nc *netpoll.Conn) *Conn {
	c := &Conn{srv: s, low: low, nc: nc, state: stHandshake}
	c.w.c = c
	c.tc = tls.Server(&c.w, s.cfg)
	hs := &handshake{}
	hs.cond.L = &c.mu
	c.hs = hs
	low.CloseAfter(s.opts.handshakeTimeout)
	return c
}

// feed takes ciphertext from the loop.
func (c *Conn) feed(data []byte) {
	c.mu.Lock()
	switch c.state {
	case stHandshake:
		c.feedHandshake(data)
	case stOpen:
		c.mu.Unlock()
		c.src = data
		err := c.pump()
		c.src = nil
		c.afterDelivery(err)
	default:
		c.mu.Unlock()
	}
}

// pump decrypts every complete record of c.src (plus what crypto/tls holds)
// and delivers the plaintext. It runs on the loop.
func (c *Conn) pump() error {
	bp := plainPool.Get().(*[]byte)
	defer plainPool.Put(bp)
	buf := *bp
	for {
		n := 0
		var rerr error
		for n < len(buf) && rerr == nil {
			var k int
			k, rerr = c.tc.Read(buf[n:])
			n += k
			if rerr == nil && n < len(buf) && len(c.src) == 0 && c.rec.atBoundary() {
				// crypto/tls returned less than asked, so it holds no
				// plaintext; it holds no ciphertext either (it never
				// gets more than one record, and that one is done):
				// another Read would only find the input used up.
				rerr = errWouldBlock
			}
		}
		if n > 0 {
			if err := c.deliver(buf[:n]); err != nil {
				return err
			}
		}
		switch {
		case rerr == nil:
		case errors.Is(rerr, errWouldBlock):
			return nil
		case rerr == io.EOF:
			return io.EOF // close_notify
		default:
			return fmt.Errorf("%w: %w", ErrProtocol, rerr)
		}
	}
}

// deliver hands plaintext to the inner handler, after whatever it left
// unconsumed; while reading is paused it only keeps it. It runs on the loop.
func (c *Conn) deliver(p []byte) error {
	if c.closing.Load() {
		c.plain.Reset()
		return nil
	}
	data := c.plain.Append(p)
	if len(data) == 0 {
		return nil
	}
	limit := c.srv.opts.maxInputBuffer
	if c.userPaused.Load() {
		return c.plain.Keep(data, 0, limit)
	}
	consumed, err := c.srv.h.OnData(c, data)
	if err != nil {
		c.plain.Reset()
		return err
	}
	return c.plain.Keep(data, consumed, limit)
}

// afterDelivery runs on the loop after a delivery: it hands records
// crypto/tls wrote while reading (alerts, KeyUpdate) to the connection and
// closes on error.
func (c *Conn) afterDelivery(err error) {
	c.flushPending()
	if err != nil {
		_ = c.CloseWithError(err)
	}
}

// redeliverHeld offers the kept plaintext (held back by PauseReading, or
// left unconsumed) to the handler again; ResumeReading and Wake run it on
// the loop with Execute.
func (c *Conn) redeliverHeld() {
	c.redeliver.Store(false)
	c.mu.Lock()
	open := c.state == stOpen
	c.mu.Unlock()
	if !open || c.plain.Len() == 0 || c.userPaused.Load() {
		return
	}
	c.afterDelivery(c.deliver(nil))
}

// closed ends the session; the loop calls it once the socket is closed.
func (c *Conn) closed(reason error) {
	c.closing.Store(true)
	c.mu.Lock()
	prev := c.state
	c.state = stClosed
	report := false
	timedOut := false
	if hs := c.hs; hs != nil && prev == stHandshake {
		c.srv.leftQueue(hs)
		switch {
		case errors.Is(reason, netpoll.ErrDeadline):
			timedOut = true
			hs.fail(ErrHandshakeTimeout)
		case hs.running:
			// The ClientHello and maybe the whole handshake are buffered:
			// let the goroutine use them, then decide what to report
			// (handshakeDone).
			hs.peerGone = reason
			if hs.err == nil {
				hs.err = reason
			}
			hs.cond.Broadcast()
		default:
			hs.fail(reason)
			report = true
		}
	}
	out := c.out
	c.out = nil
	c.mu.Unlock()
	putOut(out)
	switch {
	case timedOut:
		c.srv.failed.Add(1)
		c.srv.timedOut.Add(1)
		c.srv.logf(fmt.Errorf("%w (peer %v)", ErrHandshakeTimeout, c.low.RemoteAddr()))
	case report:
		c.srv.peerGone(c, reason)
	case prev == stOpen:
		c.plain.Reset()
		c.srv.h.OnClose(c, reason)
	}
}

// peerGone reports a connection closed before its handshake completed.
func (s *Server) peerGone(c *Conn, reason error) {
	if errors.Is(reason, netpoll.ErrServerClosed) {
		return
	}
	s.failed.Add(1)
	s.logf(fmt.Errorf("%w: closed before completion: %w (peer %v)", ErrHandshake, reason, c.low.RemoteAddr()))
}

// flushLocked hands the collected records to the connection in one write.
// Called with wmu held, which keeps records in the order they were sealed.
func (c *Conn) flushLocked() error {
	c.mu.Lock()
	p := c.out
	c.out = nil
	c.direct = false
	c.mu.Unlock()
	if p == nil {
		return nil
	}
	if cap(*p) > pooledOut {
		// Made for this one large write (see sealLocked) and never
		// pooled: the connection may queue it as it is instead of copying
		// what the kernel does not take, so a large message's ciphertext
		// is held once.
		_, err := c.low.WriteOwned(*p)
		return err
	}
	_, err := c.low.Write(*p)
	putOut(p)
	return err
}

// flushPending hands the connection the records crypto/tls sealed while the
// loop was reading (alerts, KeyUpdate). A writer that holds wmu meanwhile is
// sealing, which never blocks, so the loop waits for it only briefly; the
// writer flushes what it sealed itself.
func (c *Conn) flushPending() {
	if !c.hasOut() {
		return
	}
	c.wmu.Lock()
	err := c.flushLocked()
	c.wmu.Unlock()
	if err != nil {
		c.recordsDropped(err)
	}
}

func (c *Conn) hasOut() bool {
	c.mu.Lock()
	has := c.out != nil
	c.mu.Unlock()
	return has
}

// recordsDropped closes the connection after the connection refused sealed
// records: the peer would fail on the next record's sequence number.
func (c *Conn) recordsDropped(err error) error {
	if errors.Is(err, netpoll.ErrClosed) {
		return err
	}
	err = fmt.Errorf("%w: %w", ErrRecordsDropped, err)
	c.closing.Store(true)
	_ = c.low.CloseWithError(err)
	return err
}

func putOut(p *[]byte) {
	if p != nil && cap(*p) <= pooledOut {
		*p = (*p)[:0]
		outPool.Put(p)
	}
}

// applyPauseLocked pauses the connection's reads while the handler or the
// handshake buffer asks for it. Called with mu held.
func (c *Conn) applyPauseLocked() {
	if c.userPaused.Load() || c.hsPaused {
		c.low.PauseReading()
	} else {
		c.low.ResumeReading()
	}
}
