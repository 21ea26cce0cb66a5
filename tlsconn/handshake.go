package tlsconn

import (
	"context"
	"fmt"

	"github.com/netman-go/netman/netpoll"
)

// Limits of the first record, as crypto/tls checks them.
const (
	recordHeaderLen     = 5
	recordTypeHandshake = 0x16
	maxCiphertext       = 16384 + 2048
)

// checkFirstRecord looks at the first bytes of a connection. It reports
// whether they hold a complete first record, or ErrNotTLS when they cannot
// start a TLS handshake: the first record of a client is a handshake record
// (type 22) of a TLS version 3.x no longer than crypto/tls accepts.
func checkFirstRecord(b []byte) (complete bool, err error) {
	if len(b) >= 1 && b[0] != recordTypeHandshake {
		return false, ErrNotTLS
	}
	if len(b) >= 2 && b[1] != 3 {
		return false, ErrNotTLS
	}
	if len(b) < recordHeaderLen {
		return false, nil
	}
	n := int(b[3])<<8 | int(b[4])
	if n == 0 || n > maxCiphertext {
		return false, ErrNotTLS
	}
	return len(b) >= recordHeaderLen+n, nil
}

// feedHandshake buffers ciphertext that arrives before the handshake is
// over, and schedules the handshake once the first record is complete, so a
// connection holds no goroutine while its ClientHello trickles in and
// garbage is refused on the loop. Called with mu held; releases it.
func (c *Conn) feedHandshake(data []byte) {
	hs := c.hs
	hs.buf = append(hs.buf, data...)
	hs.cond.Signal()
	if len(hs.buf) >= handshakeBufferLimit && !c.hsPaused {
		c.hsPaused = true
		c.applyPauseLocked()
	}
	if hs.scheduled {
		c.mu.Unlock()
		return
	}
	complete, err := checkFirstRecord(hs.buf)
	if err != nil {
		c.state = stClosed
		hs.fail(err)
		c.mu.Unlock()
		c.srv.failed.Add(1)
		c.handshakeFailed(err)
		return
	}
	if !complete {
		c.mu.Unlock()
		return
	}
	hs.scheduled = true
	c.mu.Unlock()
	if c.srv.schedule(c) {
		return
	}
	c.mu.Lock()
	if c.state != stHandshake {
		c.mu.Unlock()
		return
	}
	c.state = stClosed
	hs.fail(ErrTooManyHandshakes)
	c.mu.Unlock()
	c.srv.refused.Add(1)
	c.handshakeFailed(ErrTooManyHandshakes)
}

// handshake runs on a handshake goroutine. crypto/tls reads the buffered
// ciphertext, blocking until the loop feeds more (or closes the connection,
// which the handshake deadline does); the outcome goes back to the loop.
func (c *Conn) handshake() {
	c.mu.Lock()
	if c.state != stHandshake {
		c.mu.Unlock() // closed while queued; that path has reported it
		return
	}
	c.hs.running = true
	c.mu.Unlock()
	err := c.tc.HandshakeContext(context.Background())
	if c.low.Execute(func(*netpoll.Conn) { c.handshakeDone(err) }) != nil {
		// The connection is closed (Execute's bound cannot be reached:
		// a session has at most this task and one redelivery queued), and
		// closed left the outcome to this goroutine; nothing else touches
		// the session any more.
		c.handshakeDone(err)
	}
}

// handshakeDone takes the outcome of the handshake, on the loop: it opens
// the connection, or reports why not.
func (c *Conn) handshakeDone(err error) {
	c.mu.Lock()
	hs := c.hs
	hs.running = false
	switch {
	case c.state == stHandshake && err == nil:
		c.mu.Unlock()
		c.open()
	case c.state == stHandshake:
		c.state = stClosed
		hs.fail(err)
		c.mu.Unlock()
		c.srv.failed.Add(1)
		c.handshakeFailed(fmt.Errorf("%w: %w", ErrHandshake, err))
	case hs.peerGone != nil:
		// The peer left during the handshake. If it completed with the
		// bytes that had arrived, the peer just did not wait: nothing to
		// report, and nothing to open.
		gone := hs.peerGone
		hs.fail(gone)
		c.mu.Unlock()
		if err == nil {
			c.srv.completed.Add(1)
		} else {
			c.srv.peerGone(c, gone)
		}
	default:
		c.mu.Unlock() // timed out meanwhile; closed reported it
	}
}

// open switches a connection whose handshake succeeded to record mode,
// calls the inner OnOpen and delivers what arrived during the handshake. It
// runs on the loop.
func (c *Conn) open() {
	c.mu.Lock()
	c.state = stOpen
	src := c.hs.buf
	c.hs = nil
	c.established.Store(true)
	wasPaused := c.hsPaused
	c.hsPaused = false
	c.mu.Unlock()
	c.low.CloseAfter(0)

	c.srv.completed.Add(1)
	c.srv.h.OnOpen(c)
	c.src = src
	err := c.pump()
	c.src = nil
	c.afterDelivery(err)
	if wasPaused {
		c.mu.Lock()
		if c.state == stOpen {
			c.applyPauseLocked()
		}
		c.mu.Unlock()
	}
}

// handshakeFailed logs why a handshake ended and closes the connection
// gracefully, so an alert crypto/tls sent still goes out.
func (c *Conn) handshakeFailed(err error) {
	c.closing.Store(true)
	c.srv.logf(fmt.Errorf("%w (peer %v)", err, c.low.RemoteAddr()))
	_ = c.low.CloseWithError(err)
}
