package dispatch

import (
	"runtime"
	"sync"
	"time"
)

// StallCheck is how often a backed-up run queue is checked for progress.
const StallCheck = 2 * time.Millisecond

// pool runs connections' inboxes on at most max goroutines.
//
// Up to eager workers start on demand. Beyond that, a new worker helps only
// if the running ones are blocked (a handler waiting on a database): a
// watchdog looks every StallCheck while work is queued and, if none of it
// was taken since the last look, adds workers (doubling). When the queue is
// empty, workers beyond maxIdle exit instead of parking. The run queue is
// linked through the inboxes, and a connection is in it at most once.
type pool[C Conn[C, M], M Message[M]] struct {
	mu       sync.Mutex
	cond     sync.Cond
	head     C
	tail     C
	idle     int
	maxIdle  int
	eager    int
	workers  int
	max      int
	taken    uint64 // connections taken off the queue, ever
	watching bool   // the watchdog timer is armed
	seen     uint64 // taken at the watchdog's last look
	stop     bool
	drain    func(C)
	done     sync.WaitGroup
}

func (p *pool[C, M]) init(limit int, drain func(C)) {
	p.max = limit
	p.eager = min(limit, max(4, 2*runtime.GOMAXPROCS(0)))
	p.maxIdle = min(limit, max(8, 4*runtime.GOMAXPROCS(0)))
	p.drain = drain
	p.cond.L = &p.mu
}

// Workers returns the number of worker goroutines alive.
func (p *pool[C, M]) Workers() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.workers
}

func (p *pool[C, M]) push(c C) {
	p.mu.Lock()
	var zero C
	if p.tail == zero {
		p.head = c
	} else {
		p.tail.Inbox().next = c
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
		time.AfterFunc(StallCheck, p.watch)
	}
	p.mu.Unlock()
}

// spawn starts a worker; called with p.mu held.
func (p *pool[C, M]) spawn() {
	p.workers++
	p.done.Add(1)
	go p.work()
}

// watch adds workers while queued work makes no progress.
func (p *pool[C, M]) watch() {
	p.mu.Lock()
	defer p.mu.Unlock()
	var zero C
	if p.head == zero || p.stop {
		p.watching = false
		return
	}
	if p.taken == p.seen {
		for n := max(1, p.workers-p.idle); n > 0 && p.workers < p.max; n-- {
			p.spawn()
		}
	}
	p.seen = p.taken
	time.AfterFunc(StallCheck, p.watch)
}

func (p *pool[C, M]) work() {
	defer p.done.Done()
	var zero C
	p.mu.Lock()
	for {
		for p.head == zero {
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
		in := c.Inbox()
		p.head = in.next
		if p.head == zero {
			p.tail = zero
		}
		in.next = zero
		p.mu.Unlock()
		p.drain(c)
		p.mu.Lock()
	}
}

// close lets the workers finish the queue, then stops them.
func (p *pool[C, M]) close() {
	p.mu.Lock()
	p.stop = true
	p.cond.Broadcast()
	p.mu.Unlock()
	p.done.Wait()
}
