//go:build linux || darwin || freebsd

package netpoll

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loopLog is state only the loop may touch: the race detector reports any
// Execute function that runs elsewhere, or beside a handler call.
type loopLog struct {
	events []string
	conn   *Conn
}

func TestExecuteRunsOnTheLoopSerializedWithTheHandler(t *testing.T) {
	var log loopLog
	opened := make(chan *Conn, 1)
	s := startServer(t, HandlerFuncs{
		Open: func(c *Conn) { log.conn = c; opened <- c },
		Data: func(c *Conn, b []byte) (int, error) {
			log.events = append(log.events, "data")
			_, err := c.Write(b)
			return len(b), err
		},
	}, WithLoops(1))
	nc := dial(t, s)
	c := <-opened

	const writers, each = 4, 10
	var accepted atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				for c.Execute(func(*Conn) { log.events = append(log.events, "exec") }) != nil {
					time.Sleep(time.Millisecond) // ErrTooManyTasks: its earlier ones have not run yet
				}
				accepted.Add(1)
			}
		}()
	}
	for i := 0; i < 20; i++ {
		echo(t, nc, "x")
	}
	wg.Wait()
	done := make(chan []string, 1)
	for {
		err := c.Execute(func(*Conn) { done <- append([]string(nil), log.events...) })
		if err == nil {
			break
		}
		if !errors.Is(err, ErrTooManyTasks) {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // the writers' functions have not all run yet
	}
	events := <-done
	var execs, datas int
	for _, e := range events {
		if e == "exec" {
			execs++
		} else {
			datas++
		}
	}
	if int64(execs) != accepted.Load() || execs != writers*each {
		t.Errorf("%d functions ran, %d were accepted, want %d", execs, accepted.Load(), writers*each)
	}
	if datas == 0 {
		t.Error("no OnData recorded")
	}
}

func TestExecuteBoundAndClose(t *testing.T) {
	type result struct {
		errs  []error
		order []string
		conn  *Conn
	}
	res := make(chan result, 1)
	var r result
	s := startServer(t, HandlerFuncs{
		Data: func(c *Conn, b []byte) (int, error) {
			// On the loop, nothing queued can run before this returns.
			for i := 0; i <= MaxExecutes; i++ {
				r.errs = append(r.errs, c.Execute(func(*Conn) { r.order = append(r.order, "exec") }))
			}
			_ = c.CloseNow()
			return len(b), nil
		},
		Close: func(c *Conn, reason error) {
			r.order = append(r.order, "close")
			r.conn = c
			res <- r
		},
	})
	nc := dial(t, s)
	if _, err := nc.Write([]byte("go")); err != nil {
		t.Fatal(err)
	}
	got := <-res
	for i, err := range got.errs[:MaxExecutes] {
		if err != nil {
			t.Errorf("Execute %d: %v", i, err)
		}
	}
	if err := got.errs[MaxExecutes]; !errors.Is(err, ErrTooManyTasks) {
		t.Errorf("Execute %d: %v, want ErrTooManyTasks", MaxExecutes+1, err)
	}
	// CloseNow's task was posted after the accepted functions, so they ran
	// before OnClose.
	if len(got.order) != MaxExecutes+1 || got.order[MaxExecutes] != "close" {
		t.Errorf("order %v: want %d functions, then close", got.order, MaxExecutes)
	}
	if err := got.conn.Execute(func(*Conn) {}); !errors.Is(err, ErrClosed) {
		t.Errorf("Execute on a closed connection: %v, want ErrClosed", err)
	}
}

func TestExecuteAcceptedWhileClosingRunsAfterOnClose(t *testing.T) {
	var order []string
	done := make(chan []string, 1)
	s := startServer(t, HandlerFuncs{
		Data: func(c *Conn, b []byte) (int, error) {
			_ = c.CloseNow() // closing, not closed: Execute still accepts
			if err := c.Execute(func(*Conn) { order = append(order, "exec"); done <- order }); err != nil {
				t.Errorf("Execute while closing: %v", err)
			}
			return len(b), nil
		},
		Close: func(*Conn, error) { order = append(order, "close") },
	})
	nc := dial(t, s)
	if _, err := nc.Write([]byte("go")); err != nil {
		t.Fatal(err)
	}
	if got := <-done; len(got) != 2 || got[0] != "close" || got[1] != "exec" {
		t.Errorf("order %v, want [close exec]", got)
	}
}

func TestCloseAfter(t *testing.T) {
	h := newEchoHandler()
	s := startServer(t, Funcs[*Conn]{
		Open: func(c *Conn) { c.CloseAfter(150 * time.Millisecond) },
		Data: func(c *Conn, b []byte) (int, error) {
			if bytes.Equal(b, []byte("cancel")) {
				c.CloseAfter(0)
			}
			return h.OnData(c, b)
		},
		Close: h.OnClose,
	}, WithIdleTimeout(10*time.Second))

	// Traffic does not postpone the deadline.
	busy := dial(t, s)
	start := time.Now()
	for {
		if _, err := busy.Write([]byte("x")); err != nil {
			break
		}
		buf := make([]byte, 1)
		busy.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(busy, buf); err != nil {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("the connection outlived its CloseAfter deadline by far")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if reason := <-h.closed; !errors.Is(reason, ErrDeadline) {
		t.Errorf("close reason %v, want ErrDeadline", reason)
	}

	// A cancelled deadline never fires.
	kept := dial(t, s)
	echo(t, kept, "cancel")
	time.Sleep(400 * time.Millisecond)
	echo(t, kept, "still open")
}

func TestWakeRedeliversKeptInput(t *testing.T) {
	var ready atomic.Bool
	conns := make(chan *Conn, 1)
	s := startServer(t, HandlerFuncs{
		Data: func(c *Conn, b []byte) (int, error) {
			if !ready.Load() {
				select {
				case conns <- c:
				default:
				}
				return 0, nil // keep it until woken
			}
			_, err := c.Write(b)
			return len(b), err
		},
	})
	nc := dial(t, s)
	if _, err := nc.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	c := <-conns
	ready.Store(true)
	c.Wake()
	buf := make([]byte, 5)
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(nc, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("after Wake read %q, %v; want the kept bytes", buf, err)
	}
}
