package dispatch

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type tconn struct {
	id     int
	inbox  Inbox[*tconn, *tmsg]
	active atomic.Int32 // jobs running now: must never exceed 1
	events []string     // touched only by the job that runs: no lock, so -race checks the ordering claims
}

func (c *tconn) Inbox() *Inbox[*tconn, *tmsg] { return &c.inbox }

type tmsg struct {
	n    int
	size int
	next *tmsg
}

func (m *tmsg) Next() *tmsg     { return m.next }
func (m *tmsg) SetNext(n *tmsg) { m.next = n }
func (m *tmsg) Size() int       { return m.size }

// recorder is a Handler that records each connection's jobs.
type recorder struct {
	t        *testing.T
	block    func(c *tconn, m *tmsg) // called before a message is recorded
	panicOn  int                     // message number that panics; -1: none
	blocked  func(c *tconn) bool     // nil: never
	pauses   atomic.Int32
	resumes  atomic.Int32
	corks    atomic.Int32
	uncorks  atomic.Int32
	panicked atomic.Int32
	closed   sync.WaitGroup
}

func (r *recorder) enter(c *tconn) {
	if c.active.Add(1) != 1 {
		r.t.Errorf("conn %d: two jobs at once", c.id)
	}
}
func (r *recorder) leave(c *tconn) { c.active.Add(-1) }

func (r *recorder) Open(c *tconn) { r.enter(c); c.events = append(c.events, "open"); r.leave(c) }
func (r *recorder) Message(c *tconn, m *tmsg) {
	r.enter(c)
	defer r.leave(c)
	if r.block != nil {
		r.block(c, m)
	}
	if m.n == r.panicOn {
		panic(fmt.Sprintf("message %d", m.n))
	}
	c.events = append(c.events, fmt.Sprint(m.n))
}
func (r *recorder) Close(c *tconn) {
	r.enter(c)
	c.events = append(c.events, "close")
	r.leave(c)
	r.closed.Done()
}
func (r *recorder) Blocked(c *tconn) bool        { return r.blocked != nil && r.blocked(c) }
func (r *recorder) Pause(*tconn)                 { r.pauses.Add(1) }
func (r *recorder) Cork(c *tconn)                { r.corks.Add(1) }
func (r *recorder) Uncork(c *tconn)              { r.uncorks.Add(1) }
func (r *recorder) Resume(*tconn)                { r.resumes.Add(1) }
func (r *recorder) Panicked(*tconn, any, []byte) { r.panicked.Add(1) }

func want(n int, skip ...int) []string {
	out := []string{"open"}
	for i := 0; i < n; i++ {
		if len(skip) > 0 && skip[0] == i {
			continue
		}
		out = append(out, fmt.Sprint(i))
	}
	return append(out, "close")
}

func equal(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// TestOrderPerConnection: many connections delivered from several "loops"
// at once; each one's jobs run in order, one at a time.
func TestOrderPerConnection(t *testing.T) {
	for _, onLoop := range []bool{false, true} {
		t.Run(fmt.Sprintf("onLoop=%v", onLoop), func(t *testing.T) {
			r := &recorder{t: t, panicOn: -1}
			d := New[*tconn, *tmsg](r, Options{OnLoop: onLoop, Workers: 16, MaxMessages: 8})
			const conns, msgs = 200, 50
			cs := make([]*tconn, conns)
			r.closed.Add(conns)
			var loops sync.WaitGroup
			for l := 0; l < 4; l++ {
				loops.Add(1)
				go func() {
					defer loops.Done()
					for i := l; i < conns; i += 4 {
						c := &tconn{id: i}
						cs[i] = c
						d.Open(c)
						for m := 0; m < msgs; m++ {
							d.Deliver(c, &tmsg{n: m})
						}
						d.Closed(c)
					}
				}()
			}
			loops.Wait()
			r.closed.Wait()
			d.Close()
			for _, c := range cs {
				if !equal(c.events, want(msgs)) {
					t.Fatalf("conn %d ran %v", c.id, c.events)
				}
			}
			if onLoop && (r.pauses.Load() != 0 || d.Workers() != 0) {
				t.Errorf("on the loop: %d pauses, %d workers", r.pauses.Load(), d.Workers())
			}
		})
	}
}

// TestFullInboxPausesReading: a connection whose handler is stuck is paused
// once MaxMessages are queued, and resumed when a worker takes them.
func TestFullInboxPausesReading(t *testing.T) {
	release := make(chan struct{})
	r := &recorder{t: t, panicOn: -1, block: func(c *tconn, m *tmsg) {
		if m.n == 0 {
			<-release
		}
	}}
	d := New[*tconn, *tmsg](r, Options{Workers: 4, MaxMessages: 4})
	defer d.Close()
	c := &tconn{}
	r.closed.Add(1)
	d.Open(c)
	d.Deliver(c, &tmsg{n: 0})
	for c.inbox.Len() != 0 { // the worker took message 0 and blocks in it
		runtime.Gosched()
	}
	for m := 1; m <= 4; m++ {
		d.Deliver(c, &tmsg{n: m})
	}
	if !c.inbox.Paused() || r.pauses.Load() != 1 || c.inbox.Len() != 4 {
		t.Fatalf("4 queued: paused %v, %d pauses, %d queued", c.inbox.Paused(), r.pauses.Load(), c.inbox.Len())
	}
	close(release)
	d.Closed(c)
	r.closed.Wait()
	if r.resumes.Load() != 1 || c.inbox.Paused() || !equal(c.events, want(5)) {
		t.Fatalf("after release: %d resumes, paused %v, ran %v", r.resumes.Load(), c.inbox.Paused(), c.events)
	}
}

// TestInboxBoundedInBytes: large messages pause reading at MaxBytes, long
// before the message count.
func TestInboxBoundedInBytes(t *testing.T) {
	release := make(chan struct{})
	r := &recorder{t: t, panicOn: -1, block: func(c *tconn, m *tmsg) {
		if m.n == 0 {
			<-release
		}
	}}
	d := New[*tconn, *tmsg](r, Options{Workers: 4, MaxMessages: 1000})
	defer d.Close()
	c := &tconn{}
	r.closed.Add(1)
	d.Deliver(c, &tmsg{n: 0})
	for c.inbox.Len() != 0 {
		runtime.Gosched()
	}
	n := 1
	for ; !c.inbox.Paused(); n++ {
		d.Deliver(c, &tmsg{n: n, size: 1 << 20})
	}
	if queued := c.inbox.Len(); queued != MaxBytes>>20 {
		t.Fatalf("paused with %d messages of 1 MiB queued, want %d", queued, MaxBytes>>20)
	}
	close(release)
	d.Closed(c)
	r.closed.Wait()
}

// TestBlockedHandlersGrowThePool: more blocked handlers than eager workers
// do not starve another connection; the watchdog adds workers.
func TestBlockedHandlersGrowThePool(t *testing.T) {
	release := make(chan struct{})
	var blocked sync.WaitGroup
	r := &recorder{t: t, panicOn: -1, block: func(c *tconn, m *tmsg) {
		if c.id > 0 {
			blocked.Done()
			<-release
		}
	}}
	d := New[*tconn, *tmsg](r, Options{Workers: 256})
	defer d.Close()
	defer close(release)
	eager := d.pool.eager
	n := eager + 4
	blocked.Add(n)
	for i := 1; i <= n; i++ {
		d.Deliver(&tconn{id: i}, &tmsg{})
	}
	blocked.Wait() // each blocked handler holds a worker: the pool grew past eager
	other := &tconn{id: 0}
	r.closed.Add(1)
	d.Deliver(other, &tmsg{n: 0})
	d.Closed(other)
	r.closed.Wait()
	if w := d.Workers(); w <= eager {
		t.Fatalf("%d workers for %d blocked handlers (eager %d)", w, n, eager)
	}
}

// TestWorkersAreBounded: blocked handlers never get more than Workers.
func TestWorkersAreBounded(t *testing.T) {
	release := make(chan struct{})
	var started atomic.Int32
	r := &recorder{t: t, panicOn: -1, block: func(*tconn, *tmsg) { started.Add(1); <-release }}
	d := New[*tconn, *tmsg](r, Options{Workers: 3})
	for i := 0; i < 10; i++ {
		d.Deliver(&tconn{id: i}, &tmsg{})
	}
	deadline := time.Now().Add(20 * time.Second)
	for started.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // ten watchdog periods: it must not add a fourth
	if w, s := d.Workers(), started.Load(); w != 3 || s != 3 {
		t.Fatalf("%d workers, %d handlers started; bound 3", w, s)
	}
	close(release)
	d.Close()
	if s := started.Load(); s != 10 {
		t.Fatalf("Close returned with %d of 10 handled", s)
	}
}

// TestPanicEndsOnlyThatJob: a panicking handler is reported, and the
// connection's later jobs still run.
func TestPanicEndsOnlyThatJob(t *testing.T) {
	for _, onLoop := range []bool{false, true} {
		r := &recorder{t: t, panicOn: 1}
		d := New[*tconn, *tmsg](r, Options{OnLoop: onLoop, Workers: 2})
		c := &tconn{}
		r.closed.Add(1)
		d.Open(c)
		for m := 0; m < 3; m++ {
			d.Deliver(c, &tmsg{n: m})
		}
		d.Closed(c)
		r.closed.Wait()
		d.Close()
		if r.panicked.Load() != 1 || !equal(c.events, want(3, 1)) {
			t.Fatalf("onLoop=%v: %d panics, ran %v", onLoop, r.panicked.Load(), c.events)
		}
	}
}

// nop is a Handler that does nothing but count messages.
type nop struct{ handled atomic.Int64 }

func (*nop) Open(*tconn)                  {}
func (h *nop) Message(*tconn, *tmsg)      { h.handled.Add(1) }
func (*nop) Close(*tconn)                 {}
func (*nop) Pause(*tconn)                 {}
func (*nop) Resume(*tconn)                {}
func (*nop) Blocked(*tconn) bool          { return false }
func (*nop) Panicked(*tconn, any, []byte) {}

// BenchmarkDeliver measures the hand-off of one message to a connection's
// handler (allocations: none; the message is the caller's).
func BenchmarkDeliver(b *testing.B) {
	for _, onLoop := range []bool{false, true} {
		b.Run(fmt.Sprintf("onLoop=%v", onLoop), func(b *testing.B) {
			h := &nop{}
			d := New[*tconn, *tmsg](h, Options{OnLoop: onLoop, Workers: 4, MaxMessages: 1 << 30})
			c := &tconn{}
			ms := make([]tmsg, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range ms {
				d.Deliver(c, &ms[i])
			}
			for h.handled.Load() < int64(b.N) {
				runtime.Gosched()
			}
			b.StopTimer()
			d.Close()
		})
	}
}

// TestBlockedOutputHoldsMessagesBack: while a connection's output is backed
// up its next message is not handled and no worker waits for it; Wake
// resumes where it stopped, in order.
func TestBlockedOutputHoldsMessagesBack(t *testing.T) {
	for _, onLoop := range []bool{false, true} {
		t.Run(fmt.Sprintf("onLoop=%v", onLoop), func(t *testing.T) {
			var blocked atomic.Bool
			r := &recorder{t: t, panicOn: -1, blocked: func(*tconn) bool { return blocked.Load() }}
			r.block = func(c *tconn, m *tmsg) {
				if m.n == 1 {
					blocked.Store(true) // message 1's reply backs the output up
				}
			}
			d := New[*tconn, *tmsg](r, Options{OnLoop: onLoop, Workers: 2, MaxMessages: 100})
			defer d.Close()
			c := &tconn{}
			r.closed.Add(1)
			d.Open(c)
			for m := 0; m < 5; m++ {
				d.Deliver(c, &tmsg{n: m})
			}
			waitHeld(t, c)
			if n := c.inbox.Len(); n != 3 {
				t.Fatalf("%d messages held, want 3 (2, 3, 4)", n)
			}
			// Arrivals while held wait too.
			d.Deliver(c, &tmsg{n: 5})
			if !c.inbox.Held() || c.inbox.Len() != 4 {
				t.Fatalf("a message delivered while held ran or was lost (held %v, %d queued)", c.inbox.Held(), c.inbox.Len())
			}
			blocked.Store(false)
			d.Wake(c)
			d.Closed(c)
			r.closed.Wait()
			if !equal(c.events, want(6)) {
				t.Fatalf("ran %v", c.events)
			}
		})
	}
}

// TestClosedWhileHeldRunsTheRest: a connection closed while its messages
// are held back still has them handled (their writes fail), then Close.
func TestClosedWhileHeldRunsTheRest(t *testing.T) {
	for _, onLoop := range []bool{false, true} {
		t.Run(fmt.Sprintf("onLoop=%v", onLoop), func(t *testing.T) {
			var blocked atomic.Bool
			blocked.Store(true)
			r := &recorder{t: t, panicOn: -1, blocked: func(*tconn) bool { return blocked.Load() }}
			d := New[*tconn, *tmsg](r, Options{OnLoop: onLoop, Workers: 2})
			defer d.Close()
			c := &tconn{}
			r.closed.Add(1)
			d.Open(c)
			for m := 0; m < 3; m++ {
				d.Deliver(c, &tmsg{n: m})
			}
			waitHeld(t, c)
			blocked.Store(false) // a closed connection is not backed up
			d.Closed(c)
			r.closed.Wait()
			if !equal(c.events, want(3)) {
				t.Fatalf("ran %v", c.events)
			}
		})
	}
}

// TestDrainedBeforeHeldIsNotLost: the output drains between the check that
// holds a message back and the hold (the drain's Wake finds nothing held):
// the dispatcher sees it and goes on by itself.
func TestDrainedBeforeHeldIsNotLost(t *testing.T) {
	var calls atomic.Int32
	r := &recorder{t: t, panicOn: -1, blocked: func(*tconn) bool { return calls.Add(1) == 1 }}
	d := New[*tconn, *tmsg](r, Options{Workers: 2})
	defer d.Close()
	c := &tconn{}
	r.closed.Add(1)
	d.Deliver(c, &tmsg{n: 0})
	d.Deliver(c, &tmsg{n: 1})
	for c.inbox.Len() != 0 || c.inbox.Held() {
		runtime.Gosched()
	}
	d.Closed(c)
	r.closed.Wait()
	if got := fmt.Sprint(c.events); got != "[0 1 close]" {
		t.Fatalf("ran %v", got)
	}
}

func waitHeld(t *testing.T, c *tconn) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !c.inbox.Held() {
		if time.Now().After(deadline) {
			t.Fatal("messages never held back")
		}
		runtime.Gosched()
	}
}

// TestBatchesAreCorked: two or more messages handled together are corked
// around (on the pool: a batch; on the loop: the messages of one input,
// from the second on); a lone message is not.
func TestBatchesAreCorked(t *testing.T) {
	release := make(chan struct{})
	r := &recorder{t: t, panicOn: -1, block: func(c *tconn, m *tmsg) {
		if m.n == 0 {
			<-release
		}
	}}
	d := New[*tconn, *tmsg](r, Options{Workers: 2})
	defer d.Close()
	c := &tconn{}
	r.closed.Add(1)
	d.Deliver(c, &tmsg{n: 0}) // a batch of one, which blocks: 1..3 queue up behind it
	for c.inbox.Len() != 0 {
		runtime.Gosched()
	}
	for m := 1; m <= 3; m++ {
		d.Deliver(c, &tmsg{n: m})
	}
	close(release)
	d.Closed(c)
	r.closed.Wait()
	if r.corks.Load() != 1 || r.uncorks.Load() != 1 {
		t.Fatalf("pool: %d corks, %d uncorks; want one around the batch of three", r.corks.Load(), r.uncorks.Load())
	}

	r = &recorder{t: t, panicOn: -1}
	d = New[*tconn, *tmsg](r, Options{OnLoop: true})
	c = &tconn{}
	d.Deliver(c, &tmsg{n: 0})
	d.EndInput(c) // one message in this input: no cork
	if r.corks.Load() != 0 || r.uncorks.Load() != 0 {
		t.Fatalf("loop, one message: %d corks", r.corks.Load())
	}
	for m := 1; m <= 3; m++ {
		d.Deliver(c, &tmsg{n: m})
	}
	if r.corks.Load() != 1 || r.uncorks.Load() != 0 {
		t.Fatalf("loop, three messages before EndInput: %d corks, %d uncorks", r.corks.Load(), r.uncorks.Load())
	}
	d.EndInput(c)
	if r.uncorks.Load() != 1 {
		t.Fatalf("loop: %d uncorks after EndInput", r.uncorks.Load())
	}
}

func (*nop) Cork(*tconn)   {}
func (*nop) Uncork(*tconn) {}
