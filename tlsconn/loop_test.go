package tlsconn

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/netman-go/netman/netpoll"
)

// goid returns the id of the calling goroutine, from its stack header.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	id, _ := strconv.ParseUint(string(b[:bytes.IndexByte(b, ' ')]), 10, 64)
	return id
}

// loopRecorder wraps the TLS layer to learn which goroutine is the loop.
type loopRecorder struct {
	*Server
	mu   sync.Mutex
	loop uint64
}

func (l *loopRecorder) OnOpen(nc *netpoll.Conn) {
	l.mu.Lock()
	l.loop = goid()
	l.mu.Unlock()
	l.Server.OnOpen(nc)
}

// TestHandlerCallsRunOnTheLoop checks the connection contract: OnOpen (after
// a handshake on another goroutine), OnData, the delivery of plaintext held
// back by PauseReading and resumed from another goroutine, and OnClose all
// run on the connection's event loop.
func TestHandlerCallsRunOnTheLoop(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]uint64{}
	record := func(what string) {
		mu.Lock()
		calls[what] = goid()
		mu.Unlock()
	}
	resumed := make(chan *Conn, 1)
	closed := make(chan struct{})
	inner := HandlerFuncs{
		Open: func(c *Conn) { record("open") },
		Data: func(c *Conn, b []byte) (int, error) {
			if string(b) == "pause" {
				record("data")
				c.PauseReading()
				go func() { time.Sleep(50 * time.Millisecond); c.ResumeReading(); resumed <- c }()
				return len(b), nil
			}
			record("redelivered")
			_, err := c.Write(b)
			return len(b), err
		},
		Close: func(c *Conn, reason error) { record("close"); close(closed) },
	}
	lr := &loopRecorder{Server: NewServer(serverConfig(), inner)}
	ns := netpoll.NewServer(lr, netpoll.WithLoops(1))
	if err := ns.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- ns.Serve() }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ns.Shutdown(ctx)
		if err := <-served; !errors.Is(err, netpoll.ErrServerClosed) {
			t.Error(err)
		}
	}()
	c := dialTLS(t, ns.Addr().String(), nil)
	if _, err := c.Write([]byte("pause")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // let "pause" arrive as a record of its own
	if _, err := c.Write([]byte("held")); err != nil {
		t.Fatal(err)
	}
	<-resumed
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "held" {
		t.Fatalf("echo after ResumeReading: %q, %v", buf, err)
	}
	c.Close()
	<-closed
	mu.Lock()
	defer mu.Unlock()
	lr.mu.Lock()
	loop := lr.loop
	lr.mu.Unlock()
	for _, what := range []string{"open", "data", "redelivered", "close"} {
		if calls[what] != loop {
			t.Errorf("%s ran on goroutine %d, the loop is %d", what, calls[what], loop)
		}
	}
}
