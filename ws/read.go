package ws

import (
	"encoding/binary"
	"unicode/utf8"

	gws "github.com/gobwas/ws"
)

// feedFrames decodes frames from data. A frame header (2 to 14 bytes) and a whole control frame
// (at most 131 bytes) are consumed only once complete; a data frame's payload is consumed as it
// arrives, so a text message is validated as UTF-8 while it streams in.
func (c *ServerConn) feedFrames(data []byte) (int, error) {
	i := 0
	for i < len(data) && c.rstate == readOpen {
		var n int
		var err error
		if c.flags&flagFrame != 0 {
			n, err = c.readPayload(data[i:])
		} else {
			n, err = c.readFrame(data[i:])
		}
		i += n
		if err != nil {
			return i, err
		}
		if n == 0 {
			break
		}
	}
	return i, nil
}

// readFrame decodes the frame starting at p. It returns 0, nil when more bytes are needed.
func (c *ServerConn) readFrame(p []byte) (int, error) {
	if len(p) < 2 {
		return 0, nil
	}
	b0, b1 := p[0], p[1]
	fin := b0&0x80 != 0
	rsv := (b0 >> 4) & 7
	op := OpCode(b0 & 0x0f)
	// Everything checkable from the first two bytes is checked before waiting for the rest.
	compressed := false
	if rsv != 0 {
		if rsv != 4 || c.deflate == 0 || op.IsControl() || op == gws.OpContinuation {
			return 0, c.fail(StatusProtocolError, ErrProtocol)
		}
		compressed = true
	}
	switch {
	case op.IsReserved():
		return 0, c.fail(StatusProtocolError, ErrProtocol)
	case b1&0x80 == 0: // client frames must be masked
		return 0, c.fail(StatusProtocolError, ErrProtocol)
	case op.IsControl():
		if !fin || b1&0x7f > gws.MaxControlFramePayloadSize {
			return 0, c.fail(StatusProtocolError, ErrProtocol)
		}
	case op == gws.OpContinuation:
		if c.flags&flagFragmented == 0 {
			return 0, c.fail(StatusProtocolError, ErrProtocol)
		}
	default:
		if c.flags&flagFragmented != 0 {
			return 0, c.fail(StatusProtocolError, ErrProtocol)
		}
	}
	hl := 6
	length := int64(b1 & 0x7f)
	switch length {
	case 126:
		hl = 8
	case 127:
		hl = 14
	}
	if len(p) < hl {
		return 0, nil
	}
	switch length {
	case 126:
		length = int64(binary.BigEndian.Uint16(p[2:]))
	case 127:
		u := binary.BigEndian.Uint64(p[2:])
		if u>>63 != 0 {
			return 0, c.fail(StatusProtocolError, ErrProtocol)
		}
		length = int64(u)
	}
	var mask [4]byte
	copy(mask[:], p[hl-4:hl])

	if op.IsControl() {
		end := hl + int(length)
		if len(p) < end {
			return 0, nil
		}
		payload := p[hl:end]
		gws.Cipher(payload, mask, 0)
		return end, c.control(op, payload)
	}

	var have int64 // bytes of the message reassembled so far
	if c.fs != nil {
		have = int64(len(c.fs.msg))
	}
	if length > c.srv.maxMessage-have {
		return 0, c.fail(StatusMessageTooBig, ErrMessageTooBig)
	}
	if op != gws.OpContinuation {
		if compressed {
			c.flags |= flagCompressed
		} else {
			c.flags &^= flagCompressed
		}
		// Fast path: a whole unfragmented, uncompressed message is delivered from p itself.
		if fin && !compressed && int64(len(p)-hl) >= length {
			end := hl + int(length)
			payload := p[hl:end]
			gws.Cipher(payload, mask, 0)
			if op == gws.OpText && !utf8.Valid(payload) {
				return 0, c.fail(StatusInvalidPayloadData, ErrInvalidUTF8)
			}
			c.deliver(op, payload)
			return end, nil
		}
	}
	// The message spans frames or reads: its state goes behind c.fs until it is delivered.
	fs := c.frame()
	if op != gws.OpContinuation {
		fs.op, fs.valid = op, 0
	}
	c.flags |= flagFrame | flagFragmented
	if fin {
		c.flags |= flagFin
	} else {
		c.flags &^= flagFin
	}
	fs.mask = mask
	fs.remaining = uint32(length) // length <= maxMessage < 1<<32
	if length == 0 {
		return hl, c.endFrame()
	}
	return hl, nil
}

// readPayload consumes payload bytes of the current data frame.
func (c *ServerConn) readPayload(p []byte) (int, error) {
	fs := c.fs // set by readFrame with flagFrame
	n := len(p)
	if int64(n) > int64(fs.remaining) {
		n = int(fs.remaining)
	}
	start := len(fs.msg)
	fs.msg = grow(fs.msg, n, int(c.srv.maxMessage))
	fs.msg = append(fs.msg, p[:n]...)
	gws.Cipher(fs.msg[start:], fs.mask, 0)
	if k := n & 3; k != 0 { // the next payload byte is unmasked with mask[k]
		m := fs.mask
		fs.mask = [4]byte{m[k], m[(k+1)&3], m[(k+2)&3], m[(k+3)&3]}
	}
	fs.remaining -= uint32(n)
	if fs.op == gws.OpText && c.flags&flagCompressed == 0 {
		valid, ok := validUTF8Prefix(fs.msg, int(fs.valid))
		if !ok {
			return n, c.fail(StatusInvalidPayloadData, ErrInvalidUTF8)
		}
		fs.valid = uint32(valid)
	}
	if fs.remaining == 0 {
		return n, c.endFrame()
	}
	return n, nil
}

// grow makes room for n more bytes in msg. It grows geometrically (a message in many fragments
// is not copied over and over) but never past limit, and only as bytes arrive: a header that
// announces a big frame costs nothing until its payload is actually received.
func grow(msg []byte, n, limit int) []byte {
	need := len(msg) + n
	if need <= cap(msg) {
		return msg
	}
	nc := 2 * cap(msg)
	if nc < 512 {
		nc = 512
	}
	if nc < need {
		nc = need
	}
	if nc > limit {
		nc = max(limit, need)
	}
	b := make([]byte, len(msg), nc)
	copy(b, msg)
	return b
}

// endFrame runs when the current data frame's payload is complete.
func (c *ServerConn) endFrame() error {
	c.flags &^= flagFrame
	if c.flags&flagFin == 0 {
		return nil
	}
	fs := c.fs
	msg, op, valid := fs.msg, fs.op, int(fs.valid)
	c.dropFrame()
	c.flags &^= flagFragmented | flagFin
	if c.flags&flagCompressed != 0 {
		c.flags &^= flagCompressed
		out, err := c.srv.inflate(msg)
		if err != nil {
			if err == ErrMessageTooBig {
				return c.fail(StatusMessageTooBig, err)
			}
			return c.fail(StatusInvalidPayloadData, err)
		}
		if op == gws.OpText && !utf8.Valid(out) {
			return c.fail(StatusInvalidPayloadData, ErrInvalidUTF8)
		}
		msg = out
	} else if op == gws.OpText && valid != len(msg) {
		return c.fail(StatusInvalidPayloadData, ErrInvalidUTF8) // ends inside a code point
	}
	c.deliver(op, msg)
	return nil
}

// validUTF8Prefix checks p[from:] and returns the length of the prefix of p made of complete,
// valid code points; ok is false as soon as p contains a byte sequence that no continuation can
// make valid (a truncated but so far valid sequence at the end is accepted).
func validUTF8Prefix(p []byte, from int) (valid int, ok bool) {
	i := from
	for i < len(p) {
		if p[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && size == 1 {
			if !utf8.FullRune(p[i:]) {
				return i, true // valid so far, waiting for the rest of the code point
			}
			return i, false
		}
		i += size
	}
	return i, true
}

func (c *ServerConn) deliver(op OpCode, payload []byte) {
	c.mu.Lock()
	closing := c.wstate != writeOpen
	c.mu.Unlock()
	if closing { // after our close frame, data is discarded (RFC 6455 section 1.4)
		return
	}
	c.srv.handler.OnMessage(c, op, payload)
}

// control handles a complete, unmasked control frame.
func (c *ServerConn) control(op OpCode, payload []byte) error {
	switch op {
	case gws.OpPing:
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.wstate != writeOpen {
			return nil
		}
		return c.writeControlLocked(gws.OpPong, payload)
	case gws.OpPong:
		if c.srv.pong != nil {
			c.srv.pong.OnPong(c, payload)
		}
		return nil
	}
	// Close.
	code := StatusNoStatusRcvd
	var reason string
	switch {
	case len(payload) == 1:
		return c.fail(StatusProtocolError, ErrProtocol)
	case len(payload) >= 2:
		code = StatusCode(binary.BigEndian.Uint16(payload))
		if !ValidCloseCode(code) {
			return c.fail(StatusProtocolError, ErrProtocol)
		}
		if !utf8.Valid(payload[2:]) {
			return c.fail(StatusInvalidPayloadData, ErrInvalidUTF8)
		}
		reason = string(payload[2:])
	}
	c.rstate = readDone
	c.dropFrame()
	c.flags = 0
	var err error
	held := false
	c.mu.Lock()
	if c.wstate == writeOpen {
		var echo uint16 // the peer's code; 0 answers a close frame without one with an empty one
		if len(payload) >= 2 {
			echo = uint16(code)
		}
		held, err = c.sendCloseLocked(echo, ErrClosed)
	}
	c.mu.Unlock()
	c.srv.handler.OnClose(c, code, reason)
	if err != nil {
		return err
	}
	return &CloseError{Code: code, Reason: reason, Err: ErrClosed, held: held}
}

// fail fails the connection: it sends a close frame with code (unless one was sent already),
// stops decoding and returns the error for Feed.
func (c *ServerConn) fail(code StatusCode, err error) error {
	c.rstate = readDone
	c.dropFrame()
	c.flags = 0
	held := false
	c.mu.Lock()
	if c.wstate == writeOpen {
		// A write error is not reported: the connection is closed next either way and the
		// protocol error is the cause.
		held, _ = c.sendCloseLocked(uint16(code), err)
	}
	c.mu.Unlock()
	return &CloseError{Code: code, Err: err, held: held}
}
