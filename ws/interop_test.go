package ws_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"

	"github.com/netman-go/netman/ws"
	"github.com/netman-go/netman/ws/internal/wstest"
)

// interopHandler echoes messages; the text "close-me" makes the server start the close handshake.
type interopHandler struct{}

func (interopHandler) OnOpen(c *ws.ServerConn, r ws.Request) {
	if r.Query().Get("greet") != "" {
		_ = c.WriteText([]byte("hello " + r.Query().Get("greet") + " via " + r.Subprotocol))
	}
}

func (interopHandler) OnMessage(c *ws.ServerConn, op ws.OpCode, p []byte) {
	if op == ws.OpText && string(p) == "close-me" {
		_ = c.Close(ws.StatusGoingAway, "going away")
		return
	}
	_ = c.WriteMessage(op, p)
}

func (interopHandler) OnClose(*ws.ServerConn, ws.StatusCode, string) {}

func startInterop(t *testing.T, opts ...ws.Option) *wstest.Server {
	t.Helper()
	opts = append([]ws.Option{ws.WithMaxMessageSize(4 << 20), ws.WithSubprotocols("echo")}, opts...)
	s, err := wstest.NewServer(ws.NewServer(interopHandler{}, opts...), time.Now().UnixNano())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// countingConn counts the bytes read from the server.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func payloads() [][]byte {
	rnd := rand.New(rand.NewSource(7))
	var out [][]byte
	for _, n := range []int{0, 1, 125, 126, 127, 65535, 65536, 1 << 20} {
		b := make([]byte, n)
		rnd.Read(b)
		out = append(out, b)
	}
	return out
}

func TestGorillaInterop(t *testing.T) {
	s := startInterop(t)
	dialer := websocket.Dialer{WriteBufferSize: 512, Subprotocols: []string{"other", "echo"}, HandshakeTimeout: 10 * time.Second}
	c, resp, err := dialer.Dial("ws://"+s.Addr+"/path?greet=gorilla", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if resp.Header.Get("Sec-WebSocket-Protocol") != "echo" || c.Subprotocol() != "echo" {
		t.Fatalf("subprotocol %q", c.Subprotocol())
	}
	if _, m, err := c.ReadMessage(); err != nil || string(m) != "hello gorilla via echo" {
		t.Fatalf("greeting %q, %v", m, err)
	}

	t.Run("echo", func(t *testing.T) {
		for _, p := range payloads() {
			for _, typ := range []int{websocket.BinaryMessage, websocket.TextMessage} {
				if typ == websocket.TextMessage {
					p = bytes.Repeat([]byte("é"), len(p)/2)
				}
				// WriteBufferSize 512 makes gorilla fragment every message above ~500 bytes.
				if err := c.WriteMessage(typ, p); err != nil {
					t.Fatal(err)
				}
				gt, got, err := c.ReadMessage()
				if err != nil || gt != typ || !bytes.Equal(got, p) {
					t.Fatalf("echo of %d bytes: type %d, %d bytes, %v", len(p), gt, len(got), err)
				}
			}
		}
	})
	t.Run("fragmented with NextWriter", func(t *testing.T) {
		w, _ := c.NextWriter(websocket.TextMessage)
		var want []byte
		for i := 0; i < 50; i++ {
			part := []byte(strings.Repeat("κόσμε", i))
			want = append(want, part...)
			w.Write(part)
		}
		w.Close()
		if _, got, err := c.ReadMessage(); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%d bytes, %v", len(got), err)
		}
	})
	t.Run("ping", func(t *testing.T) {
		pong := make(chan string, 1)
		c.SetPongHandler(func(s string) error { pong <- s; return nil })
		if err := c.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(5*time.Second)); err != nil {
			t.Fatal(err)
		}
		c.WriteMessage(websocket.TextMessage, []byte("after ping"))
		if _, m, err := c.ReadMessage(); err != nil || string(m) != "after ping" {
			t.Fatalf("%q %v", m, err)
		}
		if got := <-pong; got != "are you there" {
			t.Fatalf("pong %q", got)
		}
	})
	t.Run("client close", func(t *testing.T) {
		msg := websocket.FormatCloseMessage(4000, "bye")
		if err := c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(5*time.Second)); err != nil {
			t.Fatal(err)
		}
		_, _, err := c.ReadMessage()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4000 {
			t.Fatalf("close reply: %v", err)
		}
	})
}

func TestGorillaServerClose(t *testing.T) {
	s := startInterop(t)
	c, _, err := websocket.DefaultDialer.Dial("ws://"+s.Addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	c.WriteMessage(websocket.TextMessage, []byte("close-me"))
	_, _, err = c.ReadMessage() // gorilla answers the close frame itself
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 1001 || ce.Text != "going away" {
		t.Fatalf("err %v", err)
	}
	// The server saw our echoed close and ended the connection cleanly.
	_, _, err = c.ReadMessage()
	if err == nil {
		t.Fatal("connection still open")
	}
	c.Close() // ends the server's drain of our side
	waitErrors(t, s, func(err error) bool { return errors.Is(err, ws.ErrClosed) })
}

func waitErrors(t *testing.T, s *wstest.Server, ok func(error) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, err := range s.Errors() {
			if ok(err) {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("server errors %v", s.Errors())
}

func TestGorillaDeflate(t *testing.T) {
	s := startInterop(t, ws.WithDeflate(ws.DeflateOptions{}))
	var read atomic.Int64
	dialer := websocket.Dialer{
		EnableCompression: true,
		NetDial: func(network, addr string) (net.Conn, error) {
			nc, err := net.Dial(network, addr)
			return countingConn{nc, &read}, err
		},
	}
	c, resp, err := dialer.Dial("ws://"+s.Addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
		t.Fatalf("extension %q", ext)
	}
	c.EnableWriteCompression(true)
	text := []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. ", 20000)) // ~900 KB
	before := read.Load()
	for i := 0; i < 3; i++ {
		if err := c.WriteMessage(websocket.TextMessage, text); err != nil {
			t.Fatal(err)
		}
		if _, got, err := c.ReadMessage(); err != nil || !bytes.Equal(got, text) {
			t.Fatalf("echo %d bytes, %v", len(got), err)
		}
		if err := c.WriteMessage(websocket.BinaryMessage, []byte("tiny")); err != nil {
			t.Fatal(err)
		}
		if _, got, err := c.ReadMessage(); err != nil || string(got) != "tiny" {
			t.Fatalf("echo %q, %v", got, err)
		}
	}
	if n := read.Load() - before; n > int64(len(text))/10 {
		t.Fatalf("read %d bytes for 3 echoes of %d: server did not compress", n, len(text))
	}
	c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(5*time.Second))
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, 1000) {
		t.Fatalf("close: %v", err)
	}
}

func TestCoderInterop(t *testing.T) {
	for _, mode := range []coder.CompressionMode{coder.CompressionDisabled, coder.CompressionNoContextTakeover, coder.CompressionContextTakeover} {
		t.Run([]string{"plain", "no-context-takeover", "context-takeover"}[mode], func(t *testing.T) {
			var opts []ws.Option
			if mode != coder.CompressionDisabled {
				opts = append(opts, ws.WithDeflate(ws.DeflateOptions{Threshold: 1}))
			}
			s := startInterop(t, opts...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, resp, err := coder.Dial(ctx, "ws://"+s.Addr+"/?greet=coder", &coder.DialOptions{
				Subprotocols: []string{"echo"}, CompressionMode: mode, CompressionThreshold: 1,
				HTTPHeader: http.Header{"Origin": {"http://127.0.0.1"}},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			if got := resp.Header.Get("Sec-WebSocket-Extensions") != ""; got != (mode != coder.CompressionDisabled) {
				t.Fatalf("extension negotiated: %v", got)
			}
			c.SetReadLimit(8 << 20)
			if _, m, err := c.Read(ctx); err != nil || string(m) != "hello coder via echo" {
				t.Fatalf("greeting %q %v", m, err)
			}
			for _, p := range payloads() {
				if err := c.Write(ctx, coder.MessageBinary, p); err != nil {
					t.Fatal(err)
				}
				if typ, got, err := c.Read(ctx); err != nil || typ != coder.MessageBinary || !bytes.Equal(got, p) {
					t.Fatalf("echo of %d: %d bytes, %v", len(p), len(got), err)
				}
			}
			// Fragmented: each Write of the message writer is a frame.
			w, _ := c.Writer(ctx, coder.MessageText)
			var want []byte
			for i := 0; i < 20; i++ {
				part := []byte(strings.Repeat("añ€😀", i*10))
				want = append(want, part...)
				w.Write(part)
			}
			w.Close()
			if _, got, err := c.Read(ctx); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("fragmented echo: %d bytes, %v", len(got), err)
			}
			// Ping needs a concurrent reader.
			done := make(chan error, 1)
			go func() {
				err := c.Ping(ctx)
				if err == nil {
					err = c.Write(ctx, coder.MessageText, []byte("pinged"))
				}
				done <- err
			}()
			if _, m, err := c.Read(ctx); err != nil || string(m) != "pinged" {
				t.Fatalf("after ping %q %v", m, err)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if err := c.Close(4001, "done"); err != nil {
				t.Fatalf("close handshake: %v", err)
			}
			waitErrors(t, s, func(err error) bool {
				var ce *ws.CloseError
				return errors.As(err, &ce) && ce.Code == 4001 && ce.Reason == "done" && errors.Is(err, ws.ErrClosed)
			})
		})
	}
}
