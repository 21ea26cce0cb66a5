package netpoll

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// echoHandler writes back every byte and records close reasons.
type echoHandler struct {
	mu      sync.Mutex
	opened  int
	reasons []error
	closed  chan error
}

func newEchoHandler() *echoHandler { return &echoHandler{closed: make(chan error, 1024)} }

func (h *echoHandler) OnOpen(c *Conn) {
	h.mu.Lock()
	h.opened++
	h.mu.Unlock()
}

func (h *echoHandler) OnData(c *Conn, data []byte) (int, error) {
	if _, err := c.Write(data); err != nil {
		return len(data), err
	}
	return len(data), nil
}

func (h *echoHandler) OnClose(c *Conn, reason error) {
	h.mu.Lock()
	h.reasons = append(h.reasons, reason)
	h.mu.Unlock()
	select {
	case h.closed <- reason:
	default:
	}
}

// startServer listens on 127.0.0.1:0, serves in the background and stops
// the server when the test ends.
func startServer(t testing.TB, h Handler, opts ...Option) *Server {
	t.Helper()
	s := NewServer(h, opts...)
	if err := s.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return s
}

func dial(t testing.TB, s *Server) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func timeoutCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
