package server

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/netman-go/netman/netman/util"
)

// Kinds of job in a connection's inbox.
const (
	jobOpen uint8 = iota
	jobMessage
	jobClose
)

// job is one thing to do for a connection, in order: open, messages, close.
// Jobs are values; the inbox keeps them as flags and a list of requests.
type job struct {
	kind uint8
	req  *request // for jobMessage
}

// message makes the job for one received message; the request and its
// message are one allocation.
func message(c *connection, m util.Message) job {
	return job{kind: jobMessage, req: &request{conn: c, m: m}}
}

// deliver hands a job to the connection's handlers: directly when handlers
// run on the loop, else through the connection's inbox and the worker pool.
// It runs on the event loop.
func (s *Server) deliver(c *connection, j job) {
	if s.opts.handlerOnLoop {
		s.run(c, j)
		return
	}
	c.mu.Lock()
	switch j.kind {
	case jobOpen:
		c.set(flagOpenJob)
	case jobClose:
		c.set(flagCloseJob)
	default:
		r := j.req
		if c.tail == nil {
			c.head = r
		} else {
			c.tail.next = r
		}
		c.tail = r
		c.pending++
		if (int(c.pending) >= s.opts.maxInbox || inboxFull(c.head, r)) && !c.has(flagPaused) {
			c.set(flagPaused)
			c.t.PauseReading()
		}
	}
	schedule := !c.has(flagQueued)
	c.set(flagQueued)
	c.mu.Unlock()
	if schedule {
		s.pool.push(c)
	}
}

// maxInboxBytes bounds the payload bytes queued for one connection's
// handlers: reading pauses past it, as past the message count. Messages
// under 4 KiB are bounded by the count (1024 x 4 KiB), so the sum is only
// taken when a large one arrives. One message larger than the bound is still
// accepted; reading then waits until it is handled.
const maxInboxBytes = 4 << 20

func inboxFull(head, last *request) bool {
	if len(last.m.Bytes()) < 4096 {
		return false
	}
	n := 0
	for r := head; r != nil; r = r.next {
		n += len(r.m.Bytes())
	}
	return n >= maxInboxBytes
}

// drain runs a connection's inbox on a worker until it is empty: the open
// job, then the messages in order, then the close job.
func (s *Server) drain(c *connection) {
	for {
		c.mu.Lock()
		open, closing := c.has(flagOpenJob), c.has(flagCloseJob)
		head := c.head
		if !open && !closing && head == nil {
			c.clear(flagQueued)
			c.mu.Unlock()
			return
		}
		// The close job is queued after the last message, so every
		// message is in this batch if it is.
		c.clear(flagOpenJob | flagCloseJob)
		c.head, c.tail, c.pending = nil, nil, 0
		if c.has(flagPaused) {
			c.clear(flagPaused)
			c.t.ResumeReading()
		}
		c.mu.Unlock()
		if open {
			s.run(c, job{kind: jobOpen})
		}
		for r := head; r != nil; {
			next := r.next
			r.next = nil
			s.run(c, job{kind: jobMessage, req: r})
			r = next
		}
		if closing {
			s.run(c, job{kind: jobClose})
		}
	}
}

// run executes one job. A panic in user code is logged and closes only
// that connection.
func (s *Server) run(c *connection, j job) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error().Int("conn", c.id).Str("panic", fmt.Sprint(r)).
				Bytes("stack", debug.Stack()).Msg("handler panicked; closing its connection")
			_ = c.t.CloseNow()
		}
	}()
	switch j.kind {
	case jobOpen:
		s.onOpen(c)
	case jobMessage:
		s.handle(c, j.req)
	case jobClose:
		s.onClose(c)
	}
}

// pool runs connections' inboxes on at most max goroutines.
//
// Up to eager workers start on demand. Beyond that, a new worker helps only
// if the running ones are blocked (a handler waiting on a database): a
// watchdog looks every stallCheck while work is queued and, if none of it
// was taken since the last look, adds workers (doubling). CPU-bound bursts
// thus reuse a few goroutines instead of leaving a thousand stacks behind,
// and a blocked pool still grows within milliseconds. When the queue is
// empty, workers beyond maxIdle exit instead of parking. The run queue is an
// intrusive list in which a connection appears at most once, so it is
// bounded by the number of connections.
type pool struct {
	mu       sync.Mutex
	cond     sync.Cond
	head     *connection
	tail     *connection
	idle     int
	maxIdle  int
	eager    int
	workers  int
	max      int
	taken    uint64 // connections taken off the queue, ever
	watching bool   // the watchdog timer is armed
	seen     uint64 // taken at the watchdog's last look
	stop     bool
	drain    func(*connection)
	done     sync.WaitGroup
}

// stallCheck is how often a backed-up queue is checked for progress.
const stallCheck = 2 * time.Millisecond

func (p *pool) init(limit int, drain func(*connection)) {
	p.max = limit
	p.eager = min(limit, max(4, 2*runtime.GOMAXPROCS(0)))
	p.maxIdle = min(limit, max(8, 4*runtime.GOMAXPROCS(0)))
	p.drain = drain
	p.cond.L = &p.mu
}

func (p *pool) push(c *connection) {
	p.mu.Lock()
	if p.tail == nil {
		p.head = c
	} else {
		p.tail.next = c
	}
	p.tail = c
	switch {
	case p.idle > 0:
		// Claim the parked worker now: a second push before it wakes
		// must not count on it too, or that push would wait behind
		// whatever this worker is about to run (maybe a blocking handler).
		p.idle--
		p.cond.Signal()
	case p.workers < p.eager:
		p.spawn()
	case !p.watching && p.workers < p.max:
		p.watching = true
		p.seen = p.taken
		time.AfterFunc(stallCheck, p.watch)
	}
	p.mu.Unlock()
}

// spawn starts a worker; called with p.mu held.
func (p *pool) spawn() {
	p.workers++
	p.done.Add(1)
	go p.work()
}

// watch adds workers while queued work makes no progress.
func (p *pool) watch() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.head == nil || p.stop {
		p.watching = false
		return
	}
	if p.taken == p.seen {
		for n := max(1, p.workers-p.idle); n > 0 && p.workers < p.max; n-- {
			p.spawn()
		}
	}
	p.seen = p.taken
	time.AfterFunc(stallCheck, p.watch)
}

func (p *pool) work() {
	defer p.done.Done()
	p.mu.Lock()
	for {
		for p.head == nil {
			if p.stop || p.idle >= p.maxIdle {
				p.workers--
				p.mu.Unlock()
				return
			}
			p.idle++ // the pusher that wakes this worker takes it back off
			p.cond.Wait()
		}
		c := p.head
		p.taken++
		p.head = c.next
		if p.head == nil {
			p.tail = nil
		}
		c.next = nil
		p.mu.Unlock()
		p.drain(c)
		p.mu.Lock()
	}
}

// close lets the workers finish the queue, then stops them.
func (p *pool) close() {
	p.mu.Lock()
	p.stop = true
	p.cond.Broadcast()
	p.mu.Unlock()
	p.done.Wait()
}
