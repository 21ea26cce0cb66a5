package ws

import (
	"encoding/binary"
	"sync"
	"unicode/utf8"

	gws "github.com/gobwas/ws"
)

// maxFrameHeader is the largest header of a server frame (servers never mask).
const maxFrameHeader = 10

// maxPooledBuffer bounds the frame buffers kept in bufPool, so one big message does not pin memory.
const maxPooledBuffer = 64 << 10

var bufPool sync.Pool // *[]byte

func getBuffer(n int) *[]byte {
	if n <= maxPooledBuffer {
		if b, ok := bufPool.Get().(*[]byte); ok && cap(*b) >= n {
			*b = (*b)[:0]
			return b
		}
		b := make([]byte, 0, max(n, 512))
		return &b
	}
	b := make([]byte, 0, n)
	return &b
}

func putBuffer(b *[]byte) {
	if cap(*b) <= maxPooledBuffer {
		bufPool.Put(b)
	}
}

// putHeader writes the header of an unmasked frame with the given first byte and payload length
// right before buf[end:], and returns where the frame starts. end must be >= maxFrameHeader.
func putHeader(buf []byte, end int, b0 byte, n int) int {
	switch {
	case n <= 125:
		buf[end-2] = b0
		buf[end-1] = byte(n)
		return end - 2
	case n <= 0xffff:
		buf[end-4] = b0
		buf[end-3] = 126
		binary.BigEndian.PutUint16(buf[end-2:], uint16(n))
		return end - 4
	default:
		buf[end-10] = b0
		buf[end-9] = 127
		binary.BigEndian.PutUint64(buf[end-8:], uint64(n))
		return end - 10
	}
}

// WriteText sends p as one text message. p should be valid UTF-8 (it is not checked).
func (c *ServerConn) WriteText(p []byte) error { return c.WriteMessage(OpText, p) }

// WriteBinary sends p as one binary message.
func (c *ServerConn) WriteBinary(p []byte) error { return c.WriteMessage(OpBinary, p) }

// WriteMessage sends payload as one message of type op (OpText or OpBinary) in a single
// unfragmented frame, with a single Write, so concurrent writers never interleave frames. When
// permessage-deflate was negotiated and payload is at least the threshold, it is compressed.
// It returns ErrNotOpen before the handshake, ErrClosed once a close frame was sent, or the
// Transport's write error. payload is not retained.
func (c *ServerConn) WriteMessage(op OpCode, payload []byte) error {
	if op != OpText && op != OpBinary {
		return ErrInvalidOpCode
	}
	c.mu.Lock()
	st, bits := c.wstate, c.deflate
	c.mu.Unlock()
	if !writable(st) {
		return stateError(st)
	}
	var buf *[]byte
	start := 0
	if bits != 0 && len(payload) >= c.srv.deflateOpts.Threshold && (bits == deflateAll || len(payload) <= 1<<bits) {
		buf = c.srv.compress(payload)
	}
	if buf != nil {
		start = putHeader(*buf, maxFrameHeader, 0x80|0x40|byte(op), len(*buf)-maxFrameHeader)
	} else {
		buf = getBuffer(maxFrameHeader + len(payload))
		b := append((*buf)[:maxFrameHeader], payload...)
		*buf = b
		start = putHeader(b, maxFrameHeader, 0x80|byte(op), len(payload))
	}
	c.mu.Lock()
	var err error
	if writable(c.wstate) {
		_, err = c.w.Write((*buf)[start:])
	} else {
		err = ErrClosed
	}
	c.mu.Unlock()
	putBuffer(buf)
	return err
}

// Ping sends a ping frame; the peer answers with a pong carrying the same payload (see
// PongHandler). payload must be at most 125 bytes.
func (c *ServerConn) Ping(payload []byte) error {
	if len(payload) > gws.MaxControlFramePayloadSize {
		return ErrControlTooLong
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !writable(c.wstate) {
		return stateError(c.wstate)
	}
	return c.writeControlLocked(OpPing, payload)
}

// Close ends the connection from this side: it sends a close frame with code and reason
// (truncated to 123 bytes at a UTF-8 boundary), then closes the Transport with a *CloseError
// wrapping ErrClosed; the Transport flushes the frame first, and netpoll's linger reads the
// peer's answer, so nothing is reset. Messages that arrive afterwards are discarded. Close
// returns ErrClosed once a close frame was sent or is held (see HoldClose).
func (c *ServerConn) Close(code StatusCode, reason string) error {
	if !ValidCloseCode(code) {
		return ErrInvalidCloseCode
	}
	const maxReason = gws.MaxControlFramePayloadSize - 2
	if len(reason) > maxReason {
		n := maxReason
		for n > 0 && !utf8.RuneStart(reason[n]) {
			n--
		}
		reason = reason[:n]
	}
	var b [gws.MaxControlFramePayloadSize]byte
	binary.BigEndian.PutUint16(b[:], uint16(code))
	n := 2 + copy(b[2:], reason)
	c.mu.Lock()
	if c.wstate != writeOpen {
		st := c.wstate
		c.mu.Unlock()
		return stateError(st)
	}
	c.wstate = writeCloseSent
	err := c.writeControlLocked(OpClose, b[:n])
	c.mu.Unlock()
	if err != nil {
		return err
	}
	_ = c.w.CloseWithError(&CloseError{Code: code, Reason: reason, Err: ErrClosed})
	return nil
}

// writeControlLocked writes a control frame; c.mu must be held.
func (c *ServerConn) writeControlLocked(op OpCode, payload []byte) error {
	var b [2 + gws.MaxControlFramePayloadSize]byte
	b[0] = 0x80 | byte(op)
	b[1] = byte(len(payload))
	n := 2 + copy(b[2:], payload)
	_, err := c.w.Write(b[:n])
	return err
}

func stateError(st uint8) error {
	if st == writeHandshake {
		return ErrNotOpen
	}
	return ErrClosed
}

// HoldClose delays the end of the connection that the peer or its input causes, the echo of
// the peer's close frame or the close frame that fails the connection, until every HoldClose is
// undone by ReleaseClose. The rule for a glue that runs handlers on other goroutines: call
// HoldClose in OnMessage before handing the message over, and ReleaseClose once its handler has
// returned. The replies to messages received before a close then precede the close frame, as if
// the handlers had run inside Feed (RFC 6455 section 5.5.1 lets an endpoint finish sending its
// current message before its close frame). Meanwhile Feed returns nil and discards input,
// WriteMessage and Ping still write, and Close returns ErrClosed; the last ReleaseClose writes
// the close frame and closes the Transport. Pongs are never held, nor a Close of this side's
// own. HoldClose and ReleaseClose are safe from any goroutine.
func (c *ServerConn) HoldClose() {
	c.mu.Lock()
	c.holds++
	c.mu.Unlock()
}

// ReleaseClose undoes one HoldClose. When it undoes the last one and a close frame is held, it
// writes the frame and closes the Transport, reporting the error Feed would have returned. A
// ReleaseClose without a HoldClose does nothing.
func (c *ServerConn) ReleaseClose() {
	c.mu.Lock()
	if c.holds == 0 {
		c.mu.Unlock()
		return
	}
	c.holds--
	if c.holds > 0 || c.wstate != writeCloseHeld {
		c.mu.Unlock()
		return
	}
	c.wstate = writeCloseSent
	code := StatusCode(c.heldCode)
	if code == 0 {
		code = StatusNoStatusRcvd
	}
	var reason error = &CloseError{Code: code, Err: heldErrors[c.heldErr]}
	if err := c.writeCloseLocked(c.heldCode); err != nil {
		reason = err
	}
	c.mu.Unlock()
	_ = c.w.CloseWithError(reason)
}

// heldErrors are the sentinels a held close can report, indexed by ServerConn.heldErr.
var heldErrors = [...]error{ErrClosed, ErrProtocol, ErrInvalidUTF8, ErrInvalidPayload, ErrMessageTooBig}

// sendCloseLocked sends this side's close frame with code (0: without payload), or holds it while
// HoldClose is in effect, to be reported with sentinel; c.mu must be held and c.wstate must be
// writeOpen.
func (c *ServerConn) sendCloseLocked(code uint16, sentinel error) (held bool, err error) {
	if c.holds > 0 {
		c.wstate = writeCloseHeld
		c.heldCode = code
		for i, e := range heldErrors {
			if e == sentinel {
				c.heldErr = uint8(i)
			}
		}
		return true, nil
	}
	c.wstate = writeCloseSent
	return false, c.writeCloseLocked(code)
}

// writeCloseLocked writes a close frame with code, or without payload when code is 0; c.mu must
// be held.
func (c *ServerConn) writeCloseLocked(code uint16) error {
	if code == 0 {
		return c.writeControlLocked(OpClose, nil)
	}
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], code)
	return c.writeControlLocked(OpClose, b[:])
}

// writable reports whether data frames may be written in write state st.
func writable(st uint8) bool { return st == writeOpen || st == writeCloseHeld }
