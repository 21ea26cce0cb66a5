package ws

import (
	"io"
	"sync"
)

// Read-side states, touched only by Feed.
const (
	readHandshake uint8 = iota
	readHooks           // the request is complete and the hooks that receive it run; fs.msg holds its header
	readOpen
	readDone
)

// Write-side states, guarded by ServerConn.mu.
const (
	writeHandshake uint8 = iota
	writeOpen
	writeCloseHeld // the close frame ending the connection waits for ReleaseClose; data may still be written
	writeCloseSent
)

// Read-side flags.
const (
	flagFrame      uint8 = 1 << iota // inside the payload of a data frame
	flagFin                          // the current data frame has FIN set
	flagFragmented                   // a fragmented message is being reassembled
	flagCompressed                   // the current message has RSV1 (permessage-deflate)
)

// ServerConn is the server side of one WebSocket connection as a codec: Feed decodes the bytes
// that arrive, replies (101, HTTP errors, pongs, close frames) go to the Transport, events go to
// the Server's Handler. Feed must be called from one goroutine at a time; the Write*, Ping and
// Close methods are safe from any goroutine. An idle connection (no partial message) holds no
// buffer: its size is that of the struct.
//
// Every idle connection pays for each field, so the struct is packed into 56 bytes (on 64-bit
// platforms): no context field (see Writer), and the state of a data frame or message that
// spans reads (its reassembly buffer, remaining length, mask, opcode) behind one pointer, set
// only while such a frame is being received: a message whole in one Feed, the usual case of an
// interactive connection, never needs it.
type ServerConn struct {
	srv      *Server
	w        Transport
	fs       *frameState // the data frame or fragmented message being received; nil when idle
	mu       sync.Mutex
	holds    int32  // guarded by mu: HoldClose calls not yet matched by ReleaseClose
	scan     uint32 // handshake: where to resume looking for the blank line
	heldCode uint16 // guarded by mu: code of the held close frame (0: a close frame without payload)
	heldErr  uint8  // guarded by mu: which sentinel the held close reports (see heldErrors)
	wstate   uint8  // guarded by mu
	deflate  uint8  // permessage-deflate (see deflateAll); written under mu before wstate becomes writeOpen
	rstate   uint8
	flags    uint8
}

// frameState is what a ServerConn keeps of a message while its frames arrive over several
// Feeds, and, during the hooks of the handshake, the header the Request reads. It comes from a
// pool and goes back when the message is delivered, so a busy connection does not allocate one
// per message either. WithMaxMessageSize is at most 4 GiB - 1, so 32-bit counters do.
type frameState struct {
	msg       []byte  // message being reassembled (or, in the hooks, the header block, aliasing the input)
	remaining uint32  // payload bytes of the current data frame not yet received
	valid     uint32  // UTF-8-valid prefix of msg (text messages)
	mask      [4]byte // masking key of the current data frame, rotated to its next payload byte
	op        OpCode  // opcode of the message being reassembled
}

var frameStates = sync.Pool{New: func() any { return new(frameState) }}

// frame returns c's frame state, taking one from the pool if it has none.
func (c *ServerConn) frame() *frameState {
	if c.fs == nil {
		c.fs = frameStates.Get().(*frameState)
	}
	return c.fs
}

// dropFrame returns c's frame state, if any, to the pool, without its buffer: a delivered
// message's bytes are the handler's.
func (c *ServerConn) dropFrame() {
	fs := c.fs
	if fs == nil {
		return
	}
	c.fs = nil
	*fs = frameState{}
	frameStates.Put(fs)
}

// ServerConn.deflate is 0 when permessage-deflate was not negotiated, deflateAll when it was
// without server_max_window_bits, else that parameter N: only messages of at most 2^N bytes are
// compressed.
const deflateAll = 0xff

// Writer returns the Transport given to NewConn or InitConn. A glue can give its own
// per-connection struct (wrapping the transport) as the Transport and find it again from the
// *ServerConn its Handler receives with a type assertion: the codec keeps no context field, which
// every connection would pay for.
func (c *ServerConn) Writer() Transport { return c.w }

// Transport is the connection under a ServerConn: the codec writes each frame or HTTP response
// with one Write, and when the WebSocket is over it closes the connection itself with
// CloseWithError, which must close gracefully (flush what was written first) and must not block.
// *netpoll.Conn and *tlsconn.Conn are Transports. Write must be safe for concurrent use if
// messages are written from several goroutines, and all-or-nothing.
type Transport interface {
	io.Writer
	// CloseWithError closes the connection gracefully, after what was written.
	CloseWithError(reason error) error
}

// NopCloser returns a Transport that writes to w and whose CloseWithError does nothing, for a
// glue that closes the connection itself when Feed returns an error (and never holds a close
// frame), or for tests.
func NopCloser(w io.Writer) Transport { return nopCloser{w} }

type nopCloser struct{ io.Writer }

func (nopCloser) CloseWithError(error) error { return nil }

// Feed decodes data, the bytes received so far that were not yet consumed, and returns how many
// it consumed. Bytes not consumed (an incomplete upgrade request, frame header or control
// frame) must be passed again, at the start of data, on the next call: this is the contract of
// netpoll.Handler.OnData. Feed may modify the consumed part of data in place (unmasking).
//
// The codec owns the end of the connection: when the WebSocket is over it writes what ends it
// (an HTTP error response, the close frame that answers the peer's or fails the connection) and
// closes the Transport with CloseWithError, then Feed returns the same error: a *HandshakeError,
// ErrHTTPServed, a *CloseError wrapping ErrClosed (close handshake complete), a *CloseError
// wrapping ErrProtocol, ErrInvalidUTF8, ErrInvalidPayload or ErrMessageTooBig (this side failed
// the connection with 1002, 1007 or 1009), or the Transport's write error. A glue returns it
// as its handler's error or ignores it; it never closes the connection for the protocol. While a
// close frame is held (HoldClose), Feed returns nil and discards what still arrives, and the
// codec closes the Transport on the last ReleaseClose. Once the end is written, Feed returns
// ErrClosed.
func (c *ServerConn) Feed(data []byte) (int, error) {
	n, err := c.feed(data)
	if err == nil {
		return n, nil
	}
	if ce, ok := err.(*CloseError); ok && ce.held {
		return len(data), nil
	}
	_ = c.w.CloseWithError(err)
	return n, err
}

func (c *ServerConn) feed(data []byte) (int, error) {
	switch c.rstate {
	case readHandshake:
		n, err := c.feedHandshake(data)
		if err != nil || c.rstate != readOpen {
			return n, err
		}
		m, err := c.feedFrames(data[n:])
		return n + m, err
	case readOpen:
		return c.feedFrames(data)
	}
	c.mu.Lock()
	held := c.wstate == writeCloseHeld
	c.mu.Unlock()
	if held {
		return len(data), nil // the peer may keep sending until it gets the held close frame
	}
	return 0, ErrClosed
}

func (c *ServerConn) feedHandshake(data []byte) (int, error) {
	i := 0
	if c.scan == 0 { // RFC 9112: ignore empty lines before the request line
		for i < len(data) && (data[i] == '\r' || data[i] == '\n') {
			i++
		}
	}
	p := data[i:]
	end, resume := findHeaderEnd(p, int(c.scan))
	limit := c.srv.maxHeader
	if end < 0 && len(p) <= limit {
		c.scan = uint32(resume)
		return i, nil
	}
	c.scan = 0
	c.rstate = readDone
	if end < 0 || end > limit {
		return len(data), c.rejectHandshake(reject(431, ErrHeaderTooLarge))
	}
	// While the hooks run, fs.msg holds the header for Request.Header; it aliases data.
	c.rstate = readHooks
	c.frame().msg = p[:end]
	defer func() {
		c.dropFrame()
		if c.rstate == readHooks {
			c.rstate = readDone
		}
	}()
	req, res, herr := c.parseRequest(p[:end])
	if herr != nil {
		return i + end, c.rejectHandshake(herr)
	}
	if res.plain {
		return i + end, c.serveHTTP(req)
	}
	buf := getBuffer(256)
	*buf = appendUpgradeResponse(*buf, &req, &res)
	c.mu.Lock()
	switch {
	case !req.Compressed:
	case res.windowBits == 0:
		c.deflate = deflateAll
	default:
		c.deflate = res.windowBits
	}
	_, err := c.w.Write(*buf)
	if err == nil {
		c.wstate = writeOpen
	}
	c.mu.Unlock()
	putBuffer(buf)
	if err != nil {
		return i + end, err
	}
	c.srv.handler.OnOpen(c, req)
	c.dropFrame()
	c.rstate = readOpen
	return i + end, nil
}

func (c *ServerConn) rejectHandshake(e *HandshakeError) error {
	buf := getBuffer(256)
	*buf = appendErrorResponse(*buf, e)
	c.mu.Lock()
	_, _ = c.w.Write(*buf) // the connection is closed next either way
	c.wstate = writeCloseSent
	c.mu.Unlock()
	putBuffer(buf)
	return e
}
