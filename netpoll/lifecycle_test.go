package netpoll

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"testing"
	"time"
)

func TestIdleTimeoutClosesOnlyIdle(t *testing.T) {
	const idle = time.Second
	h := newEchoHandler()
	s := startServer(t, h, WithIdleTimeout(idle))
	quiet := dial(t, s)
	chatty := dial(t, s)

	stop := make(chan struct{})
	chattyErr := make(chan error, 1)
	go func() {
		buf := make([]byte, 1)
		for {
			select {
			case <-stop:
				chattyErr <- nil
				return
			case <-time.After(20 * time.Millisecond):
			}
			chatty.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := chatty.Write([]byte{'.'}); err != nil {
				chattyErr <- err
				return
			}
			if _, err := io.ReadFull(chatty, buf); err != nil {
				chattyErr <- err
				return
			}
		}
	}()
	// The quiet connection is closed by the server: its read sees EOF.
	quiet.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := quiet.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("quiet conn read: %v, want EOF", err)
	}
	if r := <-h.closed; !errors.Is(r, ErrIdleTimeout) {
		t.Fatalf("close reason %v, want ErrIdleTimeout", r)
	}
	// The chatty one kept working through more than two idle periods.
	time.Sleep(2 * idle)
	close(stop)
	if err := <-chattyErr; err != nil {
		t.Fatalf("active connection was closed: %v", err)
	}
	select {
	case r := <-h.closed:
		t.Fatalf("a second connection closed: %v", r)
	default:
	}
}

func TestSetIdleTimeoutPerConn(t *testing.T) {
	h := newEchoHandler()
	s := startServer(t, HandlerFuncs{Open: func(c *Conn) { c.SetIdleTimeout(100 * time.Millisecond) }, Close: h.OnClose})
	c := dial(t, s)
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read: %v, want EOF", err)
	}
	if r := <-h.closed; !errors.Is(r, ErrIdleTimeout) {
		t.Fatalf("reason %v", r)
	}
}

func TestCloseReasons(t *testing.T) {
	errProto := errors.New("bad frame")
	h := newEchoHandler()
	s := startServer(t, HandlerFuncs{
		Data: func(c *Conn, d []byte) (int, error) {
			switch string(d) {
			case "close":
				c.Close()
			case "bad":
				return 0, errProto
			case "now":
				c.CloseNow()
			}
			return len(d), nil
		},
		Close: h.OnClose,
	})
	cases := []struct {
		send string
		want error
	}{
		{"close", ErrClosed},
		{"bad", errProto},
		{"now", ErrClosed},
		{"", io.EOF}, // the peer closes
	}
	for _, tc := range cases {
		c := dial(t, s)
		if tc.send == "" {
			c.Close()
		} else {
			c.Write([]byte(tc.send))
		}
		if r := <-h.closed; !errors.Is(r, tc.want) {
			t.Errorf("after %q: reason %v, want %v", tc.send, r, tc.want)
		}
	}
}

// TestShutdownFlushesPendingWrites: bytes accepted by Write before
// Shutdown reach a client that only starts reading afterwards.
func TestShutdownFlushesPendingWrites(t *testing.T) {
	h := newEchoHandler()
	conns := make(chan *Conn, 1)
	s := NewServer(HandlerFuncs{Open: func(c *Conn) { conns <- c }, Close: h.OnClose},
		WithSocketBuffers(16<<10, 16<<10), WithMaxPendingWrite(64<<20))
	if err := s.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	client, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c := <-conns
	payload := make([]byte, 8<<20)
	for i := range payload {
		payload[i] = byte(i % 251)
	}
	if _, err := c.Write(payload); err != nil {
		t.Fatal(err)
	}
	if c.Pending() == 0 {
		t.Fatal("expected bytes to be queued behind a small socket buffer")
	}
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(timeoutCtx(t)) }()

	client.SetReadDeadline(time.Now().Add(30 * time.Second))
	got, err := io.ReadAll(client)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(payload) {
		t.Fatalf("client got %d bytes, want %d", len(got), len(payload))
	}
	for i := range got {
		if got[i] != payload[i] {
			t.Fatalf("byte %d differs", i)
		}
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	if r := <-h.closed; !errors.Is(r, ErrServerClosed) {
		t.Fatalf("reason %v, want ErrServerClosed", r)
	}
}

// TestShutdownDeadline: a client that never reads cannot hold Shutdown
// beyond its context.
func TestShutdownDeadline(t *testing.T) {
	conns := make(chan *Conn, 1)
	s := NewServer(HandlerFuncs{Open: func(c *Conn) { conns <- c }},
		WithSocketBuffers(8<<10, 8<<10), WithCloseTimeout(time.Hour))
	s.Listen("tcp", "127.0.0.1:0")
	go s.Serve()
	client, _ := net.Dial("tcp", s.Addr().String())
	defer client.Close()
	c := <-conns
	c.Write(make([]byte, 4<<20))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want DeadlineExceeded", err)
	}
}

func TestNoGoroutineLeakAfterShutdown(t *testing.T) {
	before := runtime.NumGoroutine()
	s := NewServer(newEchoHandler(), WithLoops(4), WithReusePort(), WithIdleTimeout(time.Minute))
	if err := s.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	for i := 0; i < 20; i++ {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("x"))
		io.ReadFull(c, make([]byte, 1))
		defer c.Close()
	}
	if err := s.Shutdown(timeoutCtx(t)); err != nil {
		t.Fatal(err)
	}
	<-served
	waitFor(t, "goroutines to exit", func() bool { return runtime.NumGoroutine() <= before })
}

func echo(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, len(msg))
	if _, err := io.ReadFull(c, b); err != nil || string(b) != msg {
		t.Fatalf("echo %q: got %q, %v", msg, b, err)
	}
}

// TestCloseLingersUntilPeerCloses: after a graceful Close the peer reads
// every byte and then EOF, even though it kept sending meanwhile (without
// lingering, closing with unread input resets the connection and can
// destroy the reply in flight). OnClose follows the peer's own close.
func TestCloseLingersUntilPeerCloses(t *testing.T) {
	h := newEchoHandler()
	reply := bytes.Repeat([]byte("last words "), 10000)
	s := startServer(t, HandlerFuncs{
		Data: func(c *Conn, d []byte) (int, error) {
			c.Write(reply)
			c.Close()
			return len(d), nil
		},
		Close: h.OnClose,
	}, WithLinger(time.Minute))
	c := dial(t, s)
	c.Write([]byte("bye"))
	// Keep sending after the server closed; the server must not reset.
	for i := 0; i < 20; i++ {
		c.Write(make([]byte, 1000))
	}
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v (after %d bytes)", err, len(got))
	}
	if !bytes.Equal(got, reply) {
		t.Fatalf("got %d bytes, want %d", len(got), len(reply))
	}
	select {
	case r := <-h.closed:
		t.Fatalf("OnClose (%v) ran before the peer closed", r)
	default:
	}
	c.Close()
	if r := <-h.closed; !errors.Is(r, ErrClosed) {
		t.Fatalf("reason %v", r)
	}
}

func TestLingerEndsAtTimeout(t *testing.T) {
	h := newEchoHandler()
	s := startServer(t, HandlerFuncs{
		Open:  func(c *Conn) { c.Close() },
		Close: h.OnClose,
	}, WithLinger(50*time.Millisecond))
	c := dial(t, s) // never closes its side
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read: %v, want EOF", err)
	}
	if r := <-h.closed; !errors.Is(r, ErrClosed) {
		t.Fatalf("reason %v", r)
	}
}
