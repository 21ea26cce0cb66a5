//go:build linux || darwin || freebsd

package netpoll

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTasksPerConnBounded: however often another goroutine pauses and
// resumes a connection or sets its idle timeout while its loop is busy, the
// loop's task queue holds at most one task of each kind for it, and the
// latest state wins once the loop gets to them.
func TestTasksPerConnBounded(t *testing.T) {
	release := make(chan struct{})
	blocked := make(chan struct{})
	got := make(chan string, 4)
	conns := make(chan *Conn, 2)
	var calls atomic.Int32
	s := startServer(t, HandlerFuncs{
		Open: func(c *Conn) { conns <- c },
		Data: func(c *Conn, d []byte) (int, error) {
			if string(d) == "block" {
				close(blocked)
				<-release // keeps the only loop busy
				return len(d), nil
			}
			if calls.Add(1) == 1 {
				c.PauseReading() // keep it all for later
				return 0, nil
			}
			got <- string(d)
			return len(d), nil
		},
	}, WithLoops(1))
	unblock := sync.OnceFunc(func() { close(release) })
	t.Cleanup(unblock) // before the server's shutdown, even when the test fails
	held := dial(t, s)
	a := <-conns
	held.Write([]byte("held message"))
	waitFor(t, "the first delivery", func() bool { return calls.Load() > 0 })
	blocker := dial(t, s)
	<-conns
	blocker.Write([]byte("block"))
	<-blocked // the loop runs no task until it is released
	for i := 0; i < 10000; i++ {
		a.ResumeReading()
		a.PauseReading()
		a.SetIdleTimeout(time.Hour)
	}
	a.ResumeReading()
	l := a.loop
	l.mu.Lock()
	queued := len(l.tasks)
	l.mu.Unlock()
	if queued > 2 {
		t.Fatalf("%d tasks queued for one connection, want at most 2 (one redeliver, one idle timeout)", queued)
	}
	unblock()
	select {
	case m := <-got:
		if m != "held message" {
			t.Fatalf("got %q", m)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("leftover bytes were not redelivered after the last ResumeReading")
	}
	waitFor(t, "the idle timeout applied", func() bool {
		done := make(chan uint32, 1)
		l.post(func(*loop) { done <- a.idleMs })
		return <-done == uint32(time.Hour.Milliseconds())
	})
}
