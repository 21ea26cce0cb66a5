package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/netman-go/netman/benchmarks/internal/serve"
)

// tlsEcho returns a handler that serves TLS with a self-signed certificate
// and echoes the bytes.
func tlsEcho(t *testing.T) func(net.Conn) {
	cfg, err := serve.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	return func(c net.Conn) {
		tc := tls.Server(c, cfg)
		defer tc.Close()
		_, _ = io.Copy(tc, tc)
	}
}

// wsEcho upgrades the connection and echoes every message (gobwas/ws, a
// peer independent of the client code under test).
func wsEcho(c net.Conn) {
	if _, err := ws.Upgrade(c); err != nil {
		return
	}
	for {
		msg, op, err := wsutil.ReadClientData(c)
		if err != nil {
			return
		}
		if err := wsutil.WriteServerMessage(c, op, msg); err != nil {
			return
		}
	}
}

// TestProtocols runs every mode over TLS and WebSocket against real peers.
func TestProtocols(t *testing.T) {
	peers := []struct {
		protocol string
		handle   func(net.Conn)
	}{
		{"tls", tlsEcho(t)},
		{"ws", wsEcho},
	}
	for _, p := range peers {
		t.Run(p.protocol, func(t *testing.T) {
			addr := echoServer(t, p.handle)
			base := Config{Addr: addr, Protocol: p.protocol, ServerPID: os.Getpid(), Timeout: 20 * time.Second}
			for _, size := range []int{0, 512, 4096, 70_000} {
				cfg := base
				cfg.Mode, cfg.Conns, cfg.Size, cfg.Warmup, cfg.Duration = ModeEcho, 3, size, 20*time.Millisecond, 150*time.Millisecond
				res, err := Run(context.Background(), cfg)
				if err != nil {
					t.Fatalf("echo, size %d: %v", size, err)
				}
				if res.Echo.Messages == 0 {
					t.Fatalf("echo, size %d: no messages", size)
				}
			}
			// Four in flight: one write of four messages (four frames over
			// WebSocket), every echo checked in order.
			cfg := base
			cfg.Mode, cfg.Conns, cfg.Size, cfg.Depth, cfg.Warmup, cfg.Duration = ModeEcho, 3, 512, 4, 20*time.Millisecond, 150*time.Millisecond
			if res, err := Run(context.Background(), cfg); err != nil || res.Echo.Messages == 0 {
				t.Fatalf("echo, 4 in flight: %v", err)
			}
			cfg = base
			cfg.Mode, cfg.Conns, cfg.Settle = ModeIdle, 20, 500*time.Millisecond
			if _, err := Run(context.Background(), cfg); err != nil {
				t.Fatalf("idle: %v", err)
			}
			cfg = base
			cfg.Mode, cfg.Size = ModeLarge, 3<<20+5
			if _, err := Run(context.Background(), cfg); err != nil {
				t.Fatalf("large: %v", err)
			}
		})
	}
}

// TestWSStream checks the WebSocket client's stream view: payloads split
// over frames and fragments read as one stream, pings answered with a pong
// carrying the same bytes, a close frame read as io.EOF.
func TestWSStream(t *testing.T) {
	gotPong := make(chan []byte, 1)
	addr := echoServer(t, func(c net.Conn) {
		if _, err := ws.Upgrade(c); err != nil {
			return
		}
		frames := []ws.Frame{
			ws.NewFrame(ws.OpBinary, false, []byte("hel")), // fragmented message
			ws.NewFrame(ws.OpContinuation, true, []byte("lo ")),
			ws.NewPingFrame([]byte("are you there")),
			ws.NewBinaryFrame(bytes.Repeat([]byte("x"), 70_000)), // 64-bit length
			ws.NewFrame(ws.OpBinary, true, nil),                  // empty message
			ws.NewTextFrame([]byte(" end")),
			ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, "")),
		}
		for _, f := range frames {
			if err := ws.WriteFrame(c, f); err != nil {
				return
			}
		}
		// The client must answer the ping with its payload, masked.
		for {
			f, err := ws.ReadFrame(c)
			if err != nil {
				return
			}
			if f.Header.Masked {
				ws.Cipher(f.Payload, f.Header.Mask, 0)
			}
			if f.Header.OpCode == ws.OpPong {
				gotPong <- f.Payload
				return
			}
		}
	})
	c, err := dial(context.Background(), "ws", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	want := "hello " + string(bytes.Repeat([]byte("x"), 70_000)) + " end"
	if string(got) != want {
		t.Fatalf("read %d bytes, want %d: %.40q", len(got), len(want), got)
	}
	select {
	case p := <-gotPong:
		if string(p) != "are you there" {
			t.Fatalf("pong payload %q", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no pong")
	}
}

// TestWSWriteFrames checks that each Write is one masked binary frame the
// server reads as one message.
func TestWSWriteFrames(t *testing.T) {
	msgs := make(chan []byte, 8)
	addr := echoServer(t, func(c net.Conn) {
		if _, err := ws.Upgrade(c); err != nil {
			return
		}
		for {
			h, err := ws.ReadHeader(c)
			if err != nil {
				return
			}
			p := make([]byte, h.Length)
			if _, err := io.ReadFull(c, p); err != nil {
				return
			}
			if !h.Masked || !h.Fin || h.OpCode != ws.OpBinary {
				msgs <- []byte("bad header")
				return
			}
			ws.Cipher(p, h.Mask, 0)
			msgs <- p
		}
	})
	c, err := dial(context.Background(), "ws", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, w := range [][]byte{[]byte("a"), nil, bytes.Repeat([]byte("y"), 300), bytes.Repeat([]byte("z"), 70_000)} {
		if _, err := c.Write(w); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-msgs:
			if !bytes.Equal(m, w) {
				t.Fatalf("server read %.20q (%d bytes), sent %d bytes", m, len(m), len(w))
			}
		case <-time.After(10 * time.Second):
			t.Fatal("server read nothing")
		}
	}
}

func TestUnknownProtocol(t *testing.T) {
	_, err := Run(context.Background(), Config{Mode: ModeIdle, Addr: "127.0.0.1:1", Protocol: "quic", ServerPID: os.Getpid(), Conns: 1, Timeout: time.Second})
	if !errors.Is(err, ErrProtocol) {
		t.Fatalf("err = %v, want ErrProtocol", err)
	}
}
