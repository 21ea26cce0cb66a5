package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/netman-go/netman/framing"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// start runs s on 127.0.0.1 with a free port and stops it when the test ends.
func start(t testing.TB, s *Server) string {
	t.Helper()
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Start() }()
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Start returned %v", err)
		}
	})
	return s.Addr().String()
}

func newTest(t testing.TB, opts ...Option) (*Server, *syncBuffer) {
	logs := &syncBuffer{}
	return New("127.0.0.1", 0, append([]Option{WithLogOutput(logs)}, opts...)...), logs
}

type client struct {
	t testing.TB
	net.Conn
}

func connect(t testing.TB, addr string) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(60 * time.Second))
	return &client{t, c}
}

func (c *client) send(id uint32, payload []byte) {
	c.t.Helper()
	if err := framing.WriteMessage(c, framing.Default, id, payload); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) recv() (uint32, []byte) {
	c.t.Helper()
	id, p, err := framing.ReadMessage(c, framing.Default, 0)
	if err != nil {
		c.t.Fatal(err)
	}
	return id, p
}

// expectClosed reads until the server closes the connection.
func (c *client) expectClosed() {
	c.t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.t.Fatal("connection was not closed by the server")
	}
}

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

type framingDefault struct{}

func (framingDefault) pack(id uint32, p []byte) ([]byte, error) { return framing.Default.Pack(id, p) }
