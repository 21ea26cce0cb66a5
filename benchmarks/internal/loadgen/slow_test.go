package loadgen

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// framedEcho returns a handler that reads framed messages (8-byte header)
// and passes each to reply, which writes what the server sends back; it
// stops at the first error or when reply returns false.
func framedEcho(reply func(c net.Conn, i int, frame []byte) bool) func(net.Conn) {
	return func(c net.Conn) {
		hdr := make([]byte, HeaderSize)
		for i := 0; ; i++ {
			if _, err := io.ReadFull(c, hdr); err != nil {
				return
			}
			frame := make([]byte, HeaderSize+int(binary.LittleEndian.Uint32(hdr)))
			copy(frame, hdr)
			if _, err := io.ReadFull(c, frame[HeaderSize:]); err != nil {
				return
			}
			if !reply(c, i, frame) {
				return
			}
		}
	}
}

func slowConfig(addr, protocol string) Config {
	return Config{
		Mode: ModeSlow, Addr: addr, Protocol: protocol, ServerPID: os.Getpid(),
		Size: 2 << 20, MsgSize: 64 << 10, Rate: 64 << 20, ReadSize: 4 << 10, Timeout: 20 * time.Second,
	}
}

// TestSlow checks that every reply of an echo that delivers everything is
// counted intact, over TCP, TLS and WebSocket.
func TestSlow(t *testing.T) {
	for _, p := range []struct {
		protocol string
		handle   func(net.Conn)
	}{{"tcp", rawEcho}, {"tls", tlsEcho(t)}, {"ws", wsEcho}} {
		t.Run(p.protocol, func(t *testing.T) {
			res, err := Run(context.Background(), slowConfig(echoServer(t, p.handle), p.protocol))
			if err != nil {
				t.Fatal(err)
			}
			s := res.Slow
			if s == nil || !s.Intact() || s.Messages != 32 || s.Received != 32 || s.Lost != 0 || s.Ending != "" || s.HWM <= 0 {
				t.Fatalf("implausible result %+v", s)
			}
		})
	}
}

// TestSlowLostReplies checks that a server which drops, truncates or alters
// replies is reported as such (a result, not an error), with the count of
// replies lost.
func TestSlowLostReplies(t *testing.T) {
	const msgs = 32
	tests := []struct {
		name     string
		reply    func(c net.Conn, i int, frame []byte) bool
		received int
		corrupt  bool
		ending   string
	}{
		{"drops every fourth, then closes", func(c net.Conn, i int, frame []byte) bool {
			if i%4 != 3 {
				if _, err := c.Write(frame); err != nil {
					return false
				}
			}
			return i < msgs-1
		}, msgs - msgs/4, false, "closed the connection"},
		{"closes after three replies", func(c net.Conn, i int, frame []byte) bool {
			if _, err := c.Write(frame); err != nil || i < 2 {
				return err == nil
			}
			// A FIN behind the third reply (a close with unread bytes would
			// reset the connection and could discard replies not yet sent).
			_ = c.(*net.TCPConn).CloseWrite()
			_, _ = io.Copy(io.Discard, c)
			return false
		}, 3, false, "closed the connection"},
		{"drops the last reply and keeps the connection", func(c net.Conn, i int, frame []byte) bool {
			if i < msgs-1 {
				_, err := c.Write(frame)
				return err == nil
			}
			_, _ = io.Copy(io.Discard, c)
			return false
		}, msgs - 1, false, "nothing more came back"},
		{"drops the last eight replies and keeps the connection", func(c net.Conn, i int, frame []byte) bool {
			// The reader is still busy with the first replies when the
			// writer is done: it must stop waiting slowIdle after the last.
			if i < msgs-8 {
				_, err := c.Write(frame)
				return err == nil
			}
			return true
		}, msgs - 8, false, "nothing more came back"},
		{"alters one byte of the fifth reply", func(c net.Conn, i int, frame []byte) bool {
			if i == 4 {
				frame[len(frame)-1] ^= 1
			}
			_, err := c.Write(frame)
			return err == nil
		}, 4, true, "altered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run(context.Background(), slowConfig(echoServer(t, framedEcho(tt.reply)), "tcp"))
			if err != nil {
				t.Fatalf("a server losing replies failed the run: %v", err)
			}
			s := res.Slow
			if s.Intact() || s.Received != tt.received || s.Lost != msgs-tt.received || s.Corrupt != tt.corrupt || !strings.Contains(s.Ending, tt.ending) {
				t.Fatalf("got %+v; want %d received, corrupt %v, ending with %q", s, tt.received, tt.corrupt, tt.ending)
			}
		})
	}
}

// TestPipelined checks the echo with several messages in flight: each
// connection writes them in one write and every echo is checked, in order.
func TestPipelined(t *testing.T) {
	first := make(chan int, 1)
	addr := echoServer(t, func(c net.Conn) {
		// Record the size of the first read: the four messages arrive
		// together, as one write sent them.
		buf := make([]byte, 64<<10)
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		first <- n
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
		rawEcho(c)
	})
	res, err := Run(context.Background(), Config{
		Mode: ModeEcho, Addr: addr, ServerPID: os.Getpid(), Conns: 1, Size: 512, Depth: 4,
		Warmup: 20 * time.Millisecond, Duration: 150 * time.Millisecond, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if e := res.Echo; e.Depth != 4 || e.Messages == 0 {
		t.Fatalf("implausible result %+v", e)
	}
	if n := <-first; n != 4*(HeaderSize+512) {
		t.Fatalf("first read %d bytes, want the four messages of one write (%d)", n, 4*(HeaderSize+512))
	}
}

// TestPipelinedOutOfOrder checks that echoes coming back out of order fail
// the run.
func TestPipelinedOutOfOrder(t *testing.T) {
	var held []byte
	addr := echoServer(t, framedEcho(func(c net.Conn, i int, frame []byte) bool {
		// Swap each pair of messages.
		if i%2 == 0 {
			held = bytes.Clone(frame)
			return true
		}
		_, err := c.Write(append(frame, held...))
		return err == nil
	}))
	_, err := Run(context.Background(), Config{
		Mode: ModeEcho, Addr: addr, ServerPID: os.Getpid(), Conns: 1, Size: 64, Depth: 4,
		Warmup: 10 * time.Millisecond, Duration: 200 * time.Millisecond, Timeout: 10 * time.Second,
	})
	if !errors.Is(err, ErrMismatch) {
		t.Fatalf("err = %v, want %v", err, ErrMismatch)
	}
}
