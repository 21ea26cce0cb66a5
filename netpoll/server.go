package netpoll

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Server runs the event loops, accepts connections from its listeners and
// dials outbound connections. Create it with NewServer.
type Server struct {
	h       Handler
	drainer DrainHandler // h, if it is one
	opts    options

	mu       sync.Mutex
	lns      []*listener
	loops    []*loop
	started  bool // loops running
	serving  bool // Serve called
	stopping bool
	startErr error

	accepting sync.WaitGroup
	closing   chan struct{} // closed when Shutdown begins
	done      chan struct{} // closed when every loop has exited

	next     atomic.Uint64 // round-robin cursor
	accepted atomic.Uint64
	rejected atomic.Uint64 // accept errors such as EMFILE
}

// Stats is a snapshot of a server's counters.
type Stats struct {
	Conns        int    // connections open now
	Accepted     uint64 // connections accepted since start
	AcceptErrors uint64 // failed accepts, such as EMFILE; each one backs off
}

// NewServer returns a server that delivers connection events to h.
func NewServer(h Handler, opts ...Option) *Server {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	s := &Server{h: h, opts: o, closing: make(chan struct{}), done: make(chan struct{})}
	s.drainer, _ = h.(DrainHandler)
	return s
}

// ListenAndServe listens on the address and serves until Shutdown.
func (s *Server) ListenAndServe(network, addr string) error {
	if err := s.Listen(network, addr); err != nil {
		return err
	}
	return s.Serve()
}

// Addr returns the address of the first listener, or nil before Listen.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lns) == 0 {
		return nil
	}
	return s.lns[0].addr
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	st := Stats{Accepted: s.accepted.Load(), AcceptErrors: s.rejected.Load()}
	s.mu.Lock()
	for _, l := range s.loops {
		st.Conns += int(l.count.Load())
	}
	s.mu.Unlock()
	return st
}

func (s *Server) logError(err error) {
	if s.opts.ErrorLog != nil {
		s.opts.ErrorLog(err)
	}
}

// wheelTick is the timing wheel's resolution: a tenth of the shortest
// timeout in use, between 10 ms and 1 s.
func (s *Server) wheelTick() int64 {
	d := s.opts.CloseTimeout
	for _, t := range []time.Duration{s.opts.IdleTimeout, s.opts.Linger} {
		if t > 0 && t < d {
			d = t
		}
	}
	d /= 10
	d = min(max(d, 10*time.Millisecond), time.Second)
	return int64(d)
}
