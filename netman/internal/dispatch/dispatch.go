package dispatch

import (
	"runtime/debug"
	"sync"
)

// Message is a queued message. The inbox is a list linked through the
// messages themselves, so queueing one allocates nothing beyond it.
type Message[M any] interface {
	comparable
	// Next and SetNext are the message's link in its inbox.
	Next() M
	SetNext(next M)
	// Size is the message's payload size, for the inbox's byte bound.
	Size() int
}

// Conn is a connection the dispatcher serves: it embeds an Inbox and
// returns it.
type Conn[C any, M any] interface {
	comparable
	Inbox() *Inbox[C, M]
}

// Handler runs a connection's jobs and controls its reading.
type Handler[C, M any] interface {
	// Open, Message and Close run the connection's jobs: Open before the
	// first message, Close after the last, never two at a time.
	Open(c C)
	Message(c C, m M)
	Close(c C)
	// Pause stops reading c: its inbox is full. Resume restarts it once a
	// worker has taken the inbox's messages. Both are called from the
	// loop or a worker and must not block.
	Pause(c C)
	Resume(c C)
	// Blocked reports whether c's output is above its high-water mark:
	// its next message is then held back until Wake (see Dispatcher.Wake).
	// It must be cheap and must not block.
	Blocked(c C) bool
	// Cork and Uncork bracket a batch of c's messages handled together
	// (two or more): the replies written in between should leave with one
	// write (netpoll.Conn.Cork).
	Cork(c C)
	Uncork(c C)
	// Panicked is called, on the same goroutine, when Open, Message or
	// Close panicked with v; the dispatcher goes on with the next job.
	Panicked(c C, v any, stack []byte)
}

// Inbox flags, guarded by Inbox.mu.
const (
	queued    uint32 = 1 << iota // waiting in or running on the pool
	paused                       // reading paused because the inbox is full
	openJob                      // the inbox holds the open job
	closeJob                     // the inbox holds the close job
	held                         // messages wait for Wake: the connection's output is backed up
	delivered                    // OnLoop: a message of the current input ran (see EndInput)
	corked                       // OnLoop: the connection is corked until EndInput
)

// Inbox is one connection's queue of jobs; embed it in the connection. The
// zero value is an empty inbox.
type Inbox[C, M any] struct {
	mu      sync.Mutex
	flags   uint32
	pending int32 // messages queued
	head    M
	tail    M
	next    C // in the pool's run queue
}

// Len returns the number of messages queued.
func (in *Inbox[C, M]) Len() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return int(in.pending)
}

// Paused reports whether reading is paused because the inbox is full.
func (in *Inbox[C, M]) Paused() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.flags&paused != 0
}

// Held reports whether the inbox's messages are held back until Wake.
func (in *Inbox[C, M]) Held() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.flags&held != 0
}

// Default bounds of an inbox.
const (
	// DefaultMaxMessages is the default bound on a connection's queued
	// messages.
	DefaultMaxMessages = 1024
	// MaxBytes bounds the payload bytes queued for one connection: reading
	// pauses past it, as past the message count. Messages under
	// smallMessage are bounded by the count (1024 x 4 KiB), so the sum is
	// only taken when a large one arrives. One message larger than the
	// bound is still accepted; reading then waits until it is handled.
	MaxBytes     = 4 << 20
	smallMessage = 4096
)

// Dispatcher runs connections' jobs through a Handler, on a pool of workers or, with
// OnLoop, on the caller's goroutine (the event loop). Its Open, Deliver,
// Closed and Wake are called on the connection's loop.
//
// Backpressure: before each message the dispatcher asks Handler.Blocked. A
// connection whose output is backed up is not given its next message; its
// messages stay in its inbox (reading stops too: the inbox bound, and
// netpoll's own high-water mark), the worker goes on with other
// connections, and Wake, called when the output has drained, puts the
// connection back on the pool. So a handler that answers each message with
// no more than its output bound allows never overflows it, however slowly
// the peer reads, and no goroutine waits for a slow connection.
type Dispatcher[C Conn[C, M], M Message[M]] struct {
	h           Handler[C, M]
	onLoop      bool
	maxMessages int
	pool        pool[C, M]
}

// Options configure a Dispatcher.
type Options struct {
	// OnLoop runs jobs on the goroutine that delivers them instead of on
	// the pool.
	OnLoop bool
	// Workers bounds the pool's goroutines (at least 1).
	Workers int
	// MaxMessages bounds a connection's queued messages before reading
	// pauses (at least 1; default DefaultMaxMessages).
	MaxMessages int
}

// New returns a dispatcher that runs jobs through h.
func New[C Conn[C, M], M Message[M]](h Handler[C, M], o Options) *Dispatcher[C, M] {
	d := &Dispatcher[C, M]{h: h, onLoop: o.OnLoop, maxMessages: o.MaxMessages}
	if d.maxMessages <= 0 {
		d.maxMessages = DefaultMaxMessages
	}
	d.pool.init(max(o.Workers, 1), d.drain)
	return d
}

// Open queues c's open job.
func (d *Dispatcher[C, M]) Open(c C) { d.job(c, openJob) }

// Closed queues c's close job, after its queued messages.
func (d *Dispatcher[C, M]) Closed(c C) { d.job(c, closeJob) }

func (d *Dispatcher[C, M]) job(c C, kind uint32) {
	in := c.Inbox()
	if d.onLoop {
		in.mu.Lock()
		queued := in.head != *new(M)
		if queued { // held messages: the close job waits behind them
			in.flags |= kind
		}
		in.mu.Unlock()
		if queued {
			d.drainOnLoop(c) // a closed connection is not blocked: runs them now
			return
		}
		d.run(c, kind, *new(M))
		return
	}
	in.mu.Lock()
	in.flags |= kind
	if kind == closeJob {
		in.flags &^= held // a closed connection's output is not backed up any more
	}
	d.scheduleLocked(c, in)
}

// Deliver queues message m of c, or runs it at once with OnLoop unless its
// output is backed up.
func (d *Dispatcher[C, M]) Deliver(c C, m M) {
	in := c.Inbox()
	var zero M
	if d.onLoop {
		in.mu.Lock()
		empty := in.head == zero
		cork := in.flags&(delivered|corked) == delivered // the second message of this input
		in.flags |= delivered
		if cork {
			in.flags |= corked
		}
		in.mu.Unlock()
		if cork {
			d.h.Cork(c)
		}
		if empty && !d.h.Blocked(c) {
			d.run(c, 0, m)
			return
		}
	}
	in.mu.Lock()
	d.appendLocked(c, in, m)
	if d.onLoop {
		in.flags |= held
		in.mu.Unlock()
		return
	}
	d.scheduleLocked(c, in)
}

// More tells the dispatcher, on the loop (with OnLoop), that the message
// about to be delivered is followed by more of the same input: it corks the
// connection at once instead of at the second message, so all their
// replies leave together. It does nothing on the pool.
func (d *Dispatcher[C, M]) More(c C) {
	if !d.onLoop {
		return
	}
	in := c.Inbox()
	in.mu.Lock()
	cork := in.flags&corked == 0
	in.flags |= delivered | corked
	in.mu.Unlock()
	if cork {
		d.h.Cork(c)
	}
}

// EndInput ends the input of one read on the loop (with OnLoop): if two or
// more of its messages ran, the connection was corked at the second, and
// their replies now leave together. It does nothing on the pool, where a
// worker corks around a batch itself.
func (d *Dispatcher[C, M]) EndInput(c C) {
	if !d.onLoop {
		return
	}
	in := c.Inbox()
	in.mu.Lock()
	uncork := in.flags&corked != 0
	in.flags &^= delivered | corked
	in.mu.Unlock()
	if uncork {
		d.h.Uncork(c)
	}
}

// appendLocked queues m at the tail and pauses reading at the bound.
func (d *Dispatcher[C, M]) appendLocked(c C, in *Inbox[C, M], m M) {
	var zero M
	if in.tail == zero {
		in.head = m
	} else {
		in.tail.SetNext(m)
	}
	in.tail = m
	in.pending++
	d.pauseIfFullLocked(c, in, m)
}

func (d *Dispatcher[C, M]) pauseIfFullLocked(c C, in *Inbox[C, M], last M) {
	if in.flags&paused == 0 && (int(in.pending) >= d.maxMessages || full(in.head, last)) {
		in.flags |= paused
		d.h.Pause(c)
	}
}

// Wake gives c its held-back messages again, once its output has drained:
// on the pool, or at once on the loop with OnLoop. It does nothing if none
// are held.
func (d *Dispatcher[C, M]) Wake(c C) {
	if d.onLoop {
		d.drainOnLoop(c)
		return
	}
	in := c.Inbox()
	in.mu.Lock()
	if in.flags&held == 0 {
		in.mu.Unlock()
		return
	}
	in.flags &^= held
	d.scheduleLocked(c, in)
}

// scheduleLocked puts c on the pool unless it is there or held back; it
// releases in.mu.
func (d *Dispatcher[C, M]) scheduleLocked(c C, in *Inbox[C, M]) {
	schedule := in.flags&(queued|held) == 0
	if schedule {
		in.flags |= queued
	}
	in.mu.Unlock()
	if schedule {
		d.pool.push(c)
	}
}

// drainOnLoop runs c's queued messages on the loop until its output backs
// up again, then the close job if it came.
func (d *Dispatcher[C, M]) drainOnLoop(c C) {
	in := c.Inbox()
	var zero M
	for {
		in.mu.Lock()
		m := in.head
		if m == zero {
			closing := in.flags&closeJob != 0
			in.flags &^= held | closeJob
			in.mu.Unlock()
			if closing {
				d.run(c, closeJob, zero)
			}
			return
		}
		in.mu.Unlock()
		if d.h.Blocked(c) {
			return // still held; Wake comes with the drain
		}
		in.mu.Lock()
		in.head = m.Next()
		if in.head == zero {
			in.tail = zero
		}
		in.pending--
		if in.flags&paused != 0 && int(in.pending) < d.maxMessages/2 {
			in.flags &^= paused
			d.h.Resume(c)
		}
		in.mu.Unlock()
		m.SetNext(zero)
		d.run(c, 0, m)
	}
}

// full reports whether the inbox from head to last holds MaxBytes.
func full[M Message[M]](head, last M) bool {
	if last.Size() < smallMessage {
		return false
	}
	var zero M
	n := 0
	for m := head; m != zero; m = m.Next() {
		n += m.Size()
	}
	return n >= MaxBytes
}

// drain runs c's inbox on a worker until it is empty: the open job, then
// the messages in order, then the close job.
func (d *Dispatcher[C, M]) drain(c C) {
	in := c.Inbox()
	var zero M
	for {
		in.mu.Lock()
		jobs := in.flags & (openJob | closeJob)
		head := in.head
		if jobs == 0 && head == zero {
			in.flags &^= queued
			in.mu.Unlock()
			return
		}
		// The close job is queued after the last message, so every
		// message is in this batch if it is.
		in.flags &^= openJob | closeJob
		in.head, in.tail, in.pending = zero, zero, 0
		if in.flags&paused != 0 {
			in.flags &^= paused
			d.h.Resume(c)
		}
		in.mu.Unlock()
		if jobs&openJob != 0 {
			d.run(c, openJob, zero)
		}
		if !d.runBatch(c, head, jobs&closeJob != 0) {
			return // held back
		}
		if jobs&closeJob != 0 {
			d.run(c, closeJob, zero)
		}
	}
}

// runBatch runs the messages from head in order, corked when there are two
// or more, until c's output backs up (then the rest is held back and it
// reports false). A closing connection's messages all run.
func (d *Dispatcher[C, M]) runBatch(c C, head M, closing bool) bool {
	var zero M
	if head != zero && head.Next() != zero {
		d.h.Cork(c)
		defer d.h.Uncork(c)
	}
	for m := head; m != zero; {
		if !closing && d.h.Blocked(c) {
			d.holdBack(c, m, closing)
			return false
		}
		next := m.Next()
		m.SetNext(zero)
		d.run(c, 0, m)
		m = next
	}
	return true
}

// holdBack puts the messages from rest on back at the head of c's inbox,
// with the close job if it was in the batch, and leaves c off the pool
// until Wake.
func (d *Dispatcher[C, M]) holdBack(c C, rest M, closing bool) {
	var zero M
	last, n := rest, int32(1)
	for last.Next() != zero {
		last = last.Next()
		n++
	}
	in := c.Inbox()
	in.mu.Lock()
	last.SetNext(in.head)
	if in.head == zero {
		in.tail = last
	}
	in.head = rest
	in.pending += n
	if closing {
		in.flags |= closeJob
	}
	if in.flags&closeJob == 0 {
		in.flags |= held
	}
	in.flags &^= queued
	d.pauseIfFullLocked(c, in, last)
	requeue := in.flags&closeJob != 0
	if requeue {
		in.flags |= queued
	}
	in.mu.Unlock()
	switch {
	case requeue:
		d.pool.push(c) // closed meanwhile: its messages run now
	case !d.h.Blocked(c):
		d.Wake(c) // it drained before held was set: its Wake found nothing to do
	}
}

// run executes one job (kind 0: message m). A panic is handed to the
// Handler and ends only that job.
func (d *Dispatcher[C, M]) run(c C, kind uint32, m M) {
	defer func() {
		if v := recover(); v != nil {
			d.h.Panicked(c, v, debug.Stack())
		}
	}()
	switch kind {
	case openJob:
		d.h.Open(c)
	case closeJob:
		d.h.Close(c)
	default:
		d.h.Message(c, m)
	}
}

// Close lets the workers finish the queued jobs, then stops them.
func (d *Dispatcher[C, M]) Close() { d.pool.close() }

// Workers returns the number of worker goroutines alive.
func (d *Dispatcher[C, M]) Workers() int { return d.pool.Workers() }
