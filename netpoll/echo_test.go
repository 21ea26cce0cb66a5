package netpoll

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestEchoSmall(t *testing.T) {
	s := startServer(t, newEchoHandler(), WithLoops(2))
	c := dial(t, s)
	msg := bytes.Repeat([]byte("hello netman "), 1000)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("echo differs")
	}
}

// TestEchoManyConns holds 10,000 connections open at once and checks every
// one echoes its own bytes. Client and server together would need more than
// the 20,000 descriptors a process may open here, so the clients run in a
// child process (this test binary, re-executed).
func TestEchoManyConns(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	const conns = 10000
	h := newEchoHandler()
	s := startServer(t, h, WithLoops(2))
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperManyClients$", "-test.v")
	cmd.Env = append(os.Environ(), "NETPOLL_HELPER_ADDR="+s.Addr().String(), "NETPOLL_HELPER_CONNS="+strconv.Itoa(conns))
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("ALL ECHOED")) {
		t.Fatalf("client process: %v\n%s", err, tail(out))
	}
	if got := s.Stats().Accepted; got < conns {
		t.Fatalf("accepted %d, want %d", got, conns)
	}
	h.mu.Lock()
	opened := h.opened
	h.mu.Unlock()
	if opened < conns {
		t.Fatalf("OnOpen ran %d times, want %d", opened, conns)
	}
}

// TestHelperManyClients is the client side of TestEchoManyConns; it does
// nothing unless started by it.
func TestHelperManyClients(t *testing.T) {
	addr := os.Getenv("NETPOLL_HELPER_ADDR")
	if addr == "" {
		t.Skip("helper process only")
	}
	n, _ := strconv.Atoi(os.Getenv("NETPOLL_HELPER_CONNS"))
	cs := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		cs = append(cs, c)
	}
	// Every connection is open now. A bounded set of workers (the race
	// detector allows 8128 goroutines) exchanges a unique message on each.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 32 {
				msg := []byte(fmt.Sprintf("conn %d says hello", i))
				c := cs[i]
				c.SetDeadline(time.Now().Add(60 * time.Second))
				if _, err := c.Write(msg); err != nil {
					errs <- err
					return
				}
				got := make([]byte, len(msg))
				if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
					errs <- fmt.Errorf("conn %d: got %q, %v", i, got, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	fmt.Println("ALL ECHOED")
}

func tail(b []byte) []byte {
	if len(b) > 4000 {
		return b[len(b)-4000:]
	}
	return b
}

// frameHandler consumes only whole length-prefixed frames (uint32 length,
// then body) and echoes each one as a separate Write, so it exercises the
// leftover bytes netpoll keeps for a handler.
type frameHandler struct {
	echoHandler
	mu     sync.Mutex
	frames int
}

func (h *frameHandler) OnData(c *Conn, data []byte) (int, error) {
	consumed := 0
	for len(data)-consumed >= 4 {
		n := int(binary.BigEndian.Uint32(data[consumed:]))
		if len(data)-consumed < 4+n {
			break
		}
		// Counted before the echo goes out: a client that has read the
		// echo of the last frame must find it counted.
		h.mu.Lock()
		h.frames++
		h.mu.Unlock()
		if _, err := c.Write(data[consumed : consumed+4+n]); err != nil {
			return 0, err
		}
		consumed += 4 + n
	}
	return consumed, nil
}

func frames(count int) []byte {
	var b []byte
	for i := 0; i < count; i++ {
		body := bytes.Repeat([]byte{byte('a' + i%26)}, i*7%300)
		b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
		b = append(b, body...)
	}
	return b
}

func TestMessagesSplitAtEveryByte(t *testing.T) {
	h := &frameHandler{echoHandler: *newEchoHandler()}
	s := startServer(t, h, WithLoops(1))
	stream := frames(3)
	for cut := 1; cut < len(stream); cut++ {
		c := dial(t, s)
		c.(*net.TCPConn).SetNoDelay(true)
		if _, err := c.Write(stream[:cut]); err != nil {
			t.Fatal(err)
		}
		// Let the first part arrive alone before the rest, so the handler
		// really sees a partial frame (a read that coalesces both halves
		// only makes the test weaker, never wrong).
		time.Sleep(time.Millisecond)
		if _, err := c.Write(stream[cut:]); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		got := make([]byte, len(stream))
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if !bytes.Equal(got, stream) {
			t.Fatalf("cut %d: echo differs", cut)
		}
		c.Close()
	}
}

func TestMessagesOneByteAtATimeAndCoalesced(t *testing.T) {
	h := &frameHandler{echoHandler: *newEchoHandler()}
	s := startServer(t, h, WithLoops(1))
	stream := frames(200) // ~30 KiB in one write: many frames per read
	c := dial(t, s)
	c.(*net.TCPConn).SetNoDelay(true)
	go func() {
		c.Write(stream)
		for _, b := range frames(20) {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
		}
	}()
	want := append(append([]byte{}, stream...), frames(20)...)
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("echo differs")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.frames != 220 {
		t.Fatalf("handled %d frames, want 220", h.frames)
	}
}

func TestWritev(t *testing.T) {
	got := make(chan []byte, 1)
	s := startServer(t, HandlerFuncs{Open: func(c *Conn) {
		if _, err := c.Writev([]byte("one "), nil, []byte("two "), []byte("three")); err != nil {
			t.Error(err)
		}
	}})
	c := dial(t, s)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, len("one two three"))
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	got <- b
	if string(<-got) != "one two three" {
		t.Fatalf("got %q", b)
	}
}
