package server

import (
	"errors"
	"sync"
	"time"

	"github.com/netman-go/netman/netpoll"
)

// ErrWriteQueueFull is returned by Send, Text and Binary when the message
// does not fit the connection's write queue (WithMaxPendingWrite) and the
// write policy gives up on it: the connection's client is reading too
// slowly. Every such write is counted (Stats.WritesRefused) and logged,
// sampled.
var ErrWriteQueueFull = netpoll.ErrWriteQueueFull

// DefaultWriteWait is how long a write from a connection's own handler
// waits for room in its write queue unless WithWriteWait says otherwise.
const DefaultWriteWait = 5 * time.Second

// The write policy. Backpressure comes first: while a connection's queued
// output is above half its bound, its handlers are not given its next
// message and it is not read (see the package doc), so a handler that
// answers each message with no more than it received never meets a full
// queue, however slowly the client reads. What can still overflow is a reply
// much larger than its request, or writes from elsewhere (a push from
// another goroutine, a broadcast to a slow client). For those:
//
//   - a write made by the connection's own handler, on the worker pool,
//     waits for room up to WithWriteWait (default DefaultWriteWait): the
//     handler's worker blocks, never an event loop;
//   - any other write (another goroutine, another connection's handler, a
//     handler on the loop) fails at once with ErrWriteQueueFull, so one slow
//     client never stalls a broadcast loop;
//   - a write that finally fails is counted and logged, and with
//     WithCloseOnWriteOverflow the slow connection is also closed.

// WithWriteWait sets how long a Send, Text or Binary made by a connection's
// own handler running on the worker pool waits for room in that
// connection's write queue before it fails with ErrWriteQueueFull (default
// DefaultWriteWait). Zero fails at once. Writes from anywhere else never
// wait.
func WithWriteWait(d time.Duration) Option {
	return func(o *options) {
		if d >= 0 {
			o.writeWait = d
		}
	}
}

// WithCloseOnWriteOverflow closes a connection, with a logged reason, when
// a write to it fails with ErrWriteQueueFull: for servers that would rather
// drop a client that cannot keep up than skip messages to it.
func WithCloseOnWriteOverflow() Option {
	return func(o *options) { o.closeOnOverflow = true }
}

// Stats is a snapshot of a server's counters.
type Stats struct {
	Connections   int    // open now
	Unrouted      uint64 // messages with no route
	WritesRefused uint64 // writes that failed with ErrWriteQueueFull
	WritesWaited  uint64 // writes of a connection's own handler that waited for room, then went out
	SlowClosed    uint64 // connections closed by WithCloseOnWriteOverflow
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	return Stats{
		Connections:   s.conns.Len(),
		Unrouted:      s.rt.Unrouted(),
		WritesRefused: s.writes.refused.Load(),
		WritesWaited:  s.writes.waited.Load(),
		SlowClosed:    s.writes.closed.Load(),
	}
}

// waiters are the writers waiting for connections' output to drain: a
// channel per connection with a waiter, closed by its OnDrain (or close).
// Waiting is rare, so it costs idle connections nothing.
type waiters struct {
	mu sync.Mutex
	m  map[*connection]chan struct{}
}

// wait returns the channel closed when c's output drains, and asks c for
// the notification.
func (w *waiters) wait(c *connection) <-chan struct{} {
	w.mu.Lock()
	ch := w.m[c]
	if ch == nil {
		if w.m == nil {
			w.m = make(map[*connection]chan struct{})
		}
		ch = make(chan struct{})
		w.m[c] = ch
	}
	w.mu.Unlock()
	c.t.NotifyDrain()
	return ch
}

// wake releases c's waiters.
func (w *waiters) wake(c *connection) {
	w.mu.Lock()
	if ch := w.m[c]; ch != nil {
		close(ch)
		delete(w.m, c)
	}
	w.mu.Unlock()
}

// overflow applies the write policy to a write of c that was refused with
// ErrWriteQueueFull; retry makes it again.
func (s *Server) overflow(c *connection, retry func() (int, error)) (int, error) {
	if wait := s.opts.writeWait; wait > 0 && c.has(flagInHandler) {
		deadline := time.Now().Add(wait)
		timer := time.NewTimer(wait)
		defer timer.Stop()
		for {
			select {
			case <-s.writes.wait(c):
			case <-timer.C:
				return s.refused(c)
			}
			n, err := retry()
			switch {
			case err == nil:
				s.writes.waited.Add(1)
				return n, nil
			case !errors.Is(err, ErrWriteQueueFull):
				return n, err
			case !time.Now().Before(deadline):
				return s.refused(c)
			}
		}
	}
	return s.refused(c)
}

// refused counts and logs a write that did not fit, and closes the
// connection if the server says so.
func (s *Server) refused(c *connection) (int, error) {
	total := s.writes.refused.Add(1)
	closing := s.opts.closeOnOverflow && !c.has(flagClosed)
	s.writeLog.Warn().Int("conn", c.id).Stringer("remote", c.RemoteAddr()).Uint64("refused_total", total).
		Bool("closing", closing).Msg("write refused: the client reads too slowly")
	if closing {
		s.writes.closed.Add(1)
		_ = c.t.CloseWithError(ErrWriteQueueFull)
	}
	return 0, ErrWriteQueueFull
}
