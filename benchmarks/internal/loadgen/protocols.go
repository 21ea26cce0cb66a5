package loadgen

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"

	"github.com/gobwas/ws"
)

// Protocols lists the protocols the load generator speaks.
var Protocols = []string{"tcp", "tls", "ws"}

// dialTLS opens a TLS connection to addr and completes the handshake. The
// benchmark servers present a self-signed certificate made at start, so it is
// not verified.
func dialTLS(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // benchmark peers use throwaway self-signed certificates
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("tls handshake: %w", err)
	}
	return tc, nil
}

// dialWS opens a WebSocket connection to ws://addr/ and returns it as a byte
// stream: see wsConn.
func dialWS(ctx context.Context, addr string) (net.Conn, error) {
	c, br, _, err := ws.Dialer{}.Dial(ctx, "ws://"+addr+"/")
	if err != nil {
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	w := &wsConn{Conn: c}
	if br != nil {
		// The server sent bytes right behind its handshake response: they
		// sit in br, which keeps reading c once they are consumed.
		w.r = br
	} else {
		w.r = bufio.NewReaderSize(c, 4<<10)
	}
	return w, nil
}

// maxWSHeader is the longest client frame header: 2 bytes, an 8-byte
// extended length and a 4-byte mask.
const maxWSHeader = 14

// wsConn is a client WebSocket connection seen as a byte stream, so the echo
// protocol runs over it unchanged: every Write goes out as one masked binary
// frame (so one message), and Read returns the payloads of the data frames
// received, in order, as one stream, whatever their boundaries. Pings are
// answered; a close frame reads as io.EOF. Write is safe to call while
// another goroutine reads (a pong may be written by Read).
type wsConn struct {
	net.Conn
	r      io.Reader // buffered reader over Conn
	left   int64     // payload bytes of the current data frame not read yet
	mask   [4]byte   // the current frame's mask (servers do not mask; handled anyway)
	masked bool
	off    int // offset into the current frame's payload, for unmasking
	closed bool

	wmu  sync.Mutex
	wbuf []byte
}

// Write sends b as one masked binary frame.
func (c *wsConn) Write(b []byte) (int, error) {
	if err := c.writeFrame(ws.OpBinary, b); err != nil {
		return 0, err
	}
	return len(b), nil
}

// writeBatch sends each of msgs as one masked binary frame, all in one
// write: several messages in flight, as a pipelining client sends them.
func (c *wsConn) writeBatch(msgs [][]byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	need := 0
	for _, m := range msgs {
		need += maxWSHeader + len(m)
	}
	if cap(c.wbuf) < need {
		c.wbuf = make([]byte, need)
	}
	n := 0
	for _, m := range msgs {
		n += putFrame(c.wbuf[n:], ws.OpBinary, m)
	}
	_, err := c.Conn.Write(c.wbuf[:n])
	return err
}

func (c *wsConn) writeFrame(op ws.OpCode, b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	need := maxWSHeader + len(b)
	if cap(c.wbuf) < need {
		c.wbuf = make([]byte, need)
	}
	n := putFrame(c.wbuf, op, b)
	_, err := c.Conn.Write(c.wbuf[:n])
	return err
}

// putFrame writes b as one masked frame of opcode op into buf, which holds
// at least maxWSHeader+len(b) bytes, and returns the frame's length.
func putFrame(buf []byte, op ws.OpCode, b []byte) int {
	buf[0] = 0x80 | byte(op) // FIN
	n := 2
	switch l := len(b); {
	case l <= 125:
		buf[1] = byte(l)
	case l <= 0xffff:
		buf[1] = 126
		binary.BigEndian.PutUint16(buf[2:], uint16(l))
		n += 2
	default:
		buf[1] = 127
		binary.BigEndian.PutUint64(buf[2:], uint64(l))
		n += 8
	}
	buf[1] |= 0x80 // masked, as every client frame must be
	var mask [4]byte
	binary.LittleEndian.PutUint32(mask[:], rand.Uint32())
	copy(buf[n:], mask[:])
	n += 4
	copy(buf[n:], b)
	ws.Cipher(buf[n:n+len(b)], mask, 0)
	return n + len(b)
}

// Read returns payload bytes of the data frames received.
func (c *wsConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for c.left == 0 {
		if c.closed {
			return 0, io.EOF
		}
		if err := c.nextFrame(); err != nil {
			return 0, err
		}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	if c.masked {
		ws.Cipher(p[:n], c.mask, c.off)
	}
	c.off += n
	c.left -= int64(n)
	if err == io.EOF && c.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	if err == io.EOF {
		err = nil // the frame is complete; the next Read reports the end
	}
	return n, err
}

// nextFrame reads the next frame header; control frames are handled here
// whole and leave c.left at 0.
func (c *wsConn) nextFrame() error {
	h, err := ws.ReadHeader(c.r)
	if err != nil {
		return err
	}
	if h.OpCode.IsData() || h.OpCode == ws.OpContinuation {
		c.left, c.mask, c.masked, c.off = h.Length, h.Mask, h.Masked, 0
		return nil
	}
	if h.Length > 125 {
		return fmt.Errorf("benchmarks: websocket control frame of %d bytes", h.Length)
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(c.r, payload); err != nil {
		return err
	}
	if h.Masked {
		ws.Cipher(payload, h.Mask, 0)
	}
	switch h.OpCode {
	case ws.OpPing:
		return c.writeFrame(ws.OpPong, payload)
	case ws.OpClose:
		c.closed = true
		_ = c.writeFrame(ws.OpClose, payload) // echo the code, as RFC 6455 asks
		return io.EOF
	}
	return nil // pong: nothing to do
}
