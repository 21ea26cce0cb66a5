package tlsconn

import (
	"crypto/tls"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/netman-go/netman/netpoll"
)

// Server is the TLS layer shared by the connections of a netpoll server: it
// implements netpoll.Handler, runs the handshakes (a bounded number at a
// time), then decrypts each connection's bytes on its loop and hands the
// plaintext to the inner Handler. Create it with NewServer and pass it to
// netpoll.NewServer. It is safe for concurrent use.
type Server struct {
	cfg  *tls.Config
	h    Handler
	opts options

	hsMu    sync.Mutex
	running int     // handshake goroutines alive
	queue   []*Conn // connections waiting for a handshake goroutine, oldest first; may hold some that left
	// queuedLive counts the connections in queue still waiting; leftQueued
	// is a hint that some in queue have left since the last compaction.
	queuedLive atomic.Int64
	leftQueued atomic.Int64

	completed atomic.Uint64
	failed    atomic.Uint64
	timedOut  atomic.Uint64
	refused   atomic.Uint64
}

var (
	_ netpoll.Handler      = (*Server)(nil)
	_ netpoll.DrainHandler = (*Server)(nil)
)

// NewServer returns the TLS layer for a netpoll server: connections are
// served with cfg, used as given (certificates, GetCertificate and
// GetConfigForClient, ALPN, client authentication, session tickets all work as
// with crypto/tls), and their plaintext goes to h. It panics if cfg or h is
// nil.
func NewServer(cfg *tls.Config, h Handler, opts ...Option) *Server {
	if cfg == nil {
		panic("tlsconn: nil *tls.Config")
	}
	if h == nil {
		panic("tlsconn: nil Handler")
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if o.handshakeQueue < 0 {
		o.handshakeQueue = 16 * o.maxHandshakes
	}
	return &Server{cfg: cfg, h: h, opts: o}
}

// Stats is a snapshot of a Server's handshake counters.
type Stats struct {
	Handshaking uint64 // handshake goroutines running now (at most WithMaxHandshakes)
	Queued      uint64 // connections waiting for a handshake goroutine now
	Completed   uint64 // handshakes completed since start
	Failed      uint64 // handshakes failed (bad input, peer closed, TLS error, timeout)
	TimedOut    uint64 // of Failed, those that hit the handshake timeout
	Refused     uint64 // connections refused because the handshake queue was full
}

// Stats returns the server's handshake counters.
func (s *Server) Stats() Stats {
	s.hsMu.Lock()
	st := Stats{Handshaking: uint64(s.running), Queued: uint64(s.queuedLive.Load())}
	s.hsMu.Unlock()
	st.Completed = s.completed.Load()
	st.Failed = s.failed.Load()
	st.TimedOut = s.timedOut.Load()
	st.Refused = s.refused.Load()
	return st
}

// OnOpen implements netpoll.Handler: it starts the TLS session of a new
// connection and its handshake timeout. It is called by netpoll.
func (s *Server) OnOpen(nc *netpoll.Conn) {
	c := s.newConn(nc, nc)
	nc.SetContext(c)
}

// OnData implements netpoll.Handler: it feeds the connection's ciphertext to
// its TLS session. It always consumes everything. It is called by netpoll.
func (s *Server) OnData(nc *netpoll.Conn, data []byte) (int, error) {
	c, ok := nc.Context().(*Conn)
	if !ok {
		return len(data), errors.New("tlsconn: netpoll.Conn context was replaced")
	}
	c.feed(data)
	return len(data), nil
}

// OnClose implements netpoll.Handler: it ends the TLS session and, if the
// connection was opened, calls the inner Handler's OnClose. It is called by
// netpoll.
func (s *Server) OnClose(nc *netpoll.Conn, reason error) {
	if c, ok := nc.Context().(*Conn); ok {
		c.closed(reason)
	}
}

// OnDrain implements netpoll.DrainHandler: it passes the drain of an open
// connection on to the inner Handler, if it is a DrainHandler. It is called
// by netpoll.
func (s *Server) OnDrain(nc *netpoll.Conn) {
	d, ok := s.h.(DrainHandler)
	if !ok {
		return
	}
	if c, ok := nc.Context().(*Conn); ok {
		c.mu.Lock()
		open := c.state == stOpen
		c.mu.Unlock()
		if open {
			d.OnDrain(c)
		}
	}
}

// schedule runs c's handshake on a goroutine, or queues it when
// WithMaxHandshakes are running. It reports false when the queue is full.
func (s *Server) schedule(c *Conn) bool {
	s.hsMu.Lock()
	if s.running < s.opts.maxHandshakes {
		s.running++
		s.hsMu.Unlock()
		go s.handshakeWorker(c)
		return true
	}
	if len(s.queue) >= s.opts.handshakeQueue && s.leftQueued.Swap(0) > 0 {
		// Before refusing, drop the connections that closed or timed
		// out while they waited: they hold a place they will never use.
		// Only when some did, so a flood of live ones costs no scan.
		s.compactQueueLocked()
	}
	if len(s.queue) >= s.opts.handshakeQueue {
		s.hsMu.Unlock()
		return false
	}
	c.mu.Lock()
	if c.state != stHandshake {
		// It left already; its close path has reported it.
		c.mu.Unlock()
		s.hsMu.Unlock()
		return true
	}
	// Counted before it is marked, so leftQueue (under c.mu) never takes
	// back a count that was not made.
	s.queuedLive.Add(1)
	c.hs.queued.Store(true)
	c.mu.Unlock()
	s.queue = append(s.queue, c)
	s.hsMu.Unlock()
	return true
}

// leftQueue accounts for a connection that closed or timed out before its
// handshake started, if it was waiting in the queue. Called with c.mu held.
func (s *Server) leftQueue(hs *handshake) {
	if hs.queued.Swap(false) {
		s.queuedLive.Add(-1)
		s.leftQueued.Add(1)
	}
}

// handshakeWorker runs c's handshake, then those of queued connections,
// and exits when the queue is empty.
func (s *Server) handshakeWorker(c *Conn) {
	for c != nil {
		c.handshake()
		s.hsMu.Lock()
		c = nil
		if len(s.queue) > 0 {
			c = s.queue[0]
			s.queue[0] = nil
			s.queue = s.queue[1:]
			if len(s.queue) == 0 {
				s.queue = nil
			}
			if c.hs.queued.Swap(false) {
				s.queuedLive.Add(-1)
			} // else it left while queued; handshake() sees its state
		} else {
			s.running--
		}
		s.hsMu.Unlock()
	}
}

// compactQueueLocked removes the queued connections that are no longer
// waiting for their handshake (closed by the peer, or timed out: those paths
// have reported them and cleared their queued flag in leftQueue). Such
// entries are otherwise only dropped when a worker reaches them, so without
// this they would count against WithHandshakeQueue and refuse live
// connections. Called with hsMu held.
func (s *Server) compactQueueLocked() {
	live := s.queue[:0]
	for _, c := range s.queue {
		if c.hs.queued.Load() {
			live = append(live, c)
		}
	}
	clear(s.queue[len(live):])
	s.queue = live
	if len(s.queue) == 0 {
		s.queue = nil
	}
}

func (s *Server) logf(err error) {
	s.opts.errorLog(err)
}
