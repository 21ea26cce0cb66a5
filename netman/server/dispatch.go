package server

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/netman-go/netman/netman/util"
)

// Kinds of job in a connection's inbox.
const (
	jobOpen uint8 = iota
	jobMessage
	jobClose
)

// job is one thing to do for a connection, in order: open, messages, close.
type job struct {
	kind uint8
	msg  *util.Message
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
	c.inbox = append(c.inbox, j)
	if len(c.inbox) >= s.opts.maxInbox && !c.paused && j.kind != jobClose {
		c.paused = true
		c.t.PauseReading()
	}
	schedule := !c.queued
	c.queued = true
	c.mu.Unlock()
	if schedule {
		s.pool.push(c)
	}
}

// drain runs a connection's inbox on a worker until it is empty.
func (s *Server) drain(c *connection) {
	for {
		c.mu.Lock()
		jobs := c.inbox
		c.inbox = nil
		if len(jobs) == 0 {
			c.queued = false
			c.mu.Unlock()
			return
		}
		if c.paused {
			c.paused = false
			c.t.ResumeReading()
		}
		c.mu.Unlock()
		for _, j := range jobs {
			s.run(c, j)
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
		s.handle(c, j.msg)
	case jobClose:
		s.onClose(c)
	}
}

// pool runs connections' inboxes on at most max goroutines, started on
// demand; when the queue is empty, workers beyond maxIdle exit instead of
// parking, so a burst does not leave its stacks behind. The run queue is an
// intrusive list in which a connection appears at most once, so it is
// bounded by the number of connections.
type pool struct {
	mu      sync.Mutex
	cond    sync.Cond
	head    *connection
	tail    *connection
	idle    int
	maxIdle int
	workers int
	max     int
	stop    bool
	drain   func(*connection)
	done    sync.WaitGroup
}

func (p *pool) init(limit int, drain func(*connection)) {
	p.max = limit
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
	case p.workers < p.max:
		p.workers++
		p.done.Add(1)
		go p.work()
	}
	p.mu.Unlock()
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
