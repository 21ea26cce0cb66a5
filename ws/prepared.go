package ws

// PreparedMessage is one message framed once for many connections: a
// server's frames are unmasked, so the same bytes are a valid frame on
// every connection that did not negotiate compression. Build it with
// NewPreparedMessage and send it with ServerConn.WritePrepared; it is
// immutable and safe to share across goroutines.
type PreparedMessage struct {
	op      OpCode
	payload []byte
	frame   []byte
}

// NewPreparedMessage frames payload as one unfragmented message of type op
// (OpText or OpBinary). It keeps payload (for connections that compress),
// so the caller must not change it afterwards.
func NewPreparedMessage(op OpCode, payload []byte) (*PreparedMessage, error) {
	if op != OpText && op != OpBinary {
		return nil, ErrInvalidOpCode
	}
	b := make([]byte, maxFrameHeader+len(payload))
	copy(b[maxFrameHeader:], payload)
	start := putHeader(b, maxFrameHeader, 0x80|byte(op), len(payload))
	return &PreparedMessage{op: op, payload: payload, frame: b[start:len(b):len(b)]}, nil
}

// Frame returns the encoded frame (do not modify it).
func (m *PreparedMessage) Frame() []byte { return m.frame }

// WritePrepared sends m. A connection without permessage-deflate writes the
// shared frame as it is, with one Write; one that compresses encodes it for
// itself, as WriteMessage does. Errors are those of WriteMessage.
func (c *ServerConn) WritePrepared(m *PreparedMessage) error {
	c.mu.Lock()
	if c.deflate != 0 {
		c.mu.Unlock()
		return c.WriteMessage(m.op, m.payload)
	}
	var err error
	if writable(c.wstate) {
		_, err = c.w.Write(m.frame)
	} else {
		err = stateError(c.wstate)
	}
	c.mu.Unlock()
	return err
}
