package tlsconn

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/netman-go/netman/netpoll"
)

// memLower stands in for the netpoll.Conn below a session when a test
// drives the session with bytes directly (fuzzing, exact splits). Records
// the session writes go to the client side of a memPeer.
type memLower struct {
	peer *memPeer

	mu      sync.Mutex
	closed  bool
	reason  error
	paused  bool
	maxPend int  // pending bytes reported while the client is "not reading"
	bound   int  // MaxPendingWrite; 0: netpoll's default
	discard bool // drop what the session writes (benchmarks)
	writes  int  // Write calls

	// The test goroutine plays the loop: it runs what Execute queues
	// (runTasks), and CloseAfter only records its deadline.
	tasks    chan func(*netpoll.Conn)
	deadline time.Duration
}

func newMemLower(peer *memPeer) *memLower {
	return &memLower{peer: peer, tasks: make(chan func(*netpoll.Conn), netpoll.MaxExecutes)}
}

func (l *memLower) Execute(f func(*netpoll.Conn)) error {
	if closed, _ := l.isClosed(); closed {
		return netpoll.ErrClosed
	}
	select {
	case l.tasks <- f:
		return nil
	default:
		return netpoll.ErrTooManyTasks
	}
}

// runTasks runs the queued functions, as the loop would.
func (l *memLower) runTasks() {
	for {
		select {
		case f := <-l.tasks:
			f(nil)
		default:
			return
		}
	}
}

func (l *memLower) CloseAfter(d time.Duration) {
	l.mu.Lock()
	l.deadline = d
	l.mu.Unlock()
}

func (l *memLower) WriteBlocked() bool { return false }
func (l *memLower) NotifyDrain()       {}
func (l *memLower) Cork()              {}
func (l *memLower) Uncork()            {}

func (l *memLower) MaxPendingWrite() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bound == 0 {
		return netpoll.DefaultMaxPendingWrite
	}
	return l.bound
}

func (l *memLower) Write(b []byte) (int, error) {
	l.mu.Lock()
	closed, discard := l.closed, l.discard
	l.writes++
	l.mu.Unlock()
	if closed {
		return 0, netpoll.ErrClosed
	}
	if !discard {
		l.peer.toClient(b)
	}
	return len(b), nil
}

func (l *memLower) WriteOwned(b []byte) (int, error) { return l.Write(b) }

func (l *memLower) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.maxPend
}

func (l *memLower) CloseWithError(reason error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return netpoll.ErrClosed
	}
	l.closed, l.reason = true, reason
	return nil
}

func (l *memLower) CloseNow() error { return l.CloseWithError(netpoll.ErrClosed) }

func (l *memLower) PauseReading() {
	l.mu.Lock()
	l.paused = true
	l.mu.Unlock()
}

func (l *memLower) ResumeReading() {
	l.mu.Lock()
	l.paused = false
	l.mu.Unlock()
}

func (l *memLower) isClosed() (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed, l.reason
}

func (l *memLower) RemoteAddr() net.Addr           { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 2} }
func (l *memLower) LocalAddr() net.Addr            { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (l *memLower) SetIdleTimeout(d time.Duration) {}

// memPeer is the client end of an in-memory connection: what the client
// writes is collected for the test to feed to the session; what the session
// writes is read by the client.
type memPeer struct {
	mu    sync.Mutex
	cond  sync.Cond
	in    []byte // session → client
	eof   bool
	out   []byte        // client → session, not taken yet
	ready chan struct{} // signalled when out grows
}

func newMemPeer() *memPeer {
	p := &memPeer{ready: make(chan struct{}, 1)}
	p.cond.L = &p.mu
	return p
}

// take returns and forgets what the client wrote so far.
func (p *memPeer) take() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.out
	p.out = nil
	return b
}

func (p *memPeer) toClient(b []byte) {
	p.mu.Lock()
	p.in = append(p.in, b...)
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *memPeer) close() {
	p.mu.Lock()
	p.eof = true
	p.cond.Broadcast()
	p.mu.Unlock()
}

// clientConn is the net.Conn of the in-memory client.
type clientConn struct{ p *memPeer }

func (c clientConn) Read(b []byte) (int, error) {
	p := c.p
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.in) == 0 && !p.eof {
		p.cond.Wait()
	}
	if len(p.in) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.in)
	p.in = p.in[n:]
	return n, nil
}

func (c clientConn) Write(b []byte) (int, error) {
	c.p.mu.Lock()
	c.p.out = append(c.p.out, b...)
	c.p.mu.Unlock()
	select {
	case c.p.ready <- struct{}{}:
	default:
	}
	return len(b), nil
}

func (c clientConn) Close() error                     { c.p.close(); return nil }
func (c clientConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c clientConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c clientConn) SetDeadline(time.Time) error      { return nil }
func (c clientConn) SetReadDeadline(time.Time) error  { return nil }
func (c clientConn) SetWriteDeadline(time.Time) error { return nil }

// recorder is an inner Handler that keeps what it is given.
type recorder struct {
	mu      sync.Mutex
	data    []byte
	opened  chan struct{}
	closes  int
	reason  error
	consume func(data []byte) int // nil: consume everything
	onData  func(c *Conn)
}

func newRecorder() *recorder { return &recorder{opened: make(chan struct{})} }

func (r *recorder) OnOpen(c *Conn) { close(r.opened) }

func (r *recorder) OnData(c *Conn, data []byte) (int, error) {
	n := len(data)
	if r.consume != nil {
		n = r.consume(data)
	}
	r.mu.Lock()
	r.data = append(r.data, data[:n]...)
	r.mu.Unlock()
	if r.onData != nil {
		r.onData(c)
	}
	return n, nil
}

func (r *recorder) OnClose(c *Conn, reason error) {
	r.mu.Lock()
	r.closes++
	r.reason = reason
	r.mu.Unlock()
}

func (r *recorder) got() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.data...)
}

// memSession is a session driven by a test: the test goroutine plays the
// event loop.
type memSession struct {
	t      testing.TB
	srv    *Server
	low    *memLower
	peer   *memPeer
	c      *Conn
	client *tls.Conn
	logs   *logSink
	ended  bool
}

// newMemSession starts a session and a crypto/tls client on an in-memory
// connection; it does not run the handshake.
func newMemSession(t testing.TB, h Handler, ccfg *tls.Config, opts ...Option) *memSession {
	logs := &logSink{}
	srv := NewServer(serverConfig(), h, append([]Option{WithErrorLog(logs.log)}, opts...)...)
	peer := newMemPeer()
	low := newMemLower(peer)
	if ccfg == nil {
		ccfg = clientConfig()
	}
	m := &memSession{t: t, srv: srv, low: low, peer: peer, logs: logs}
	m.c = srv.newConn(low, nil)
	m.client = tls.Client(clientConn{peer}, ccfg)
	t.Cleanup(m.end)
	return m
}

// feed hands bytes to the session as the loop would, unless it is closed,
// after running the tasks queued for the loop.
func (m *memSession) feed(b []byte) bool {
	m.low.runTasks()
	if closed, _ := m.low.isClosed(); closed {
		return false
	}
	m.c.feed(b)
	return true
}

// takeClient returns the ciphertext the client has written so far.
func (m *memSession) takeClient() []byte { return m.peer.take() }

// handshake runs the client's handshake, feeding its bytes to the session
// in pieces of the given sizes (cycled; nil means whole writes), until the
// inner handler's OnOpen ran. It reports the client's error.
func (m *memSession) handshake(opened <-chan struct{}, split []int) error {
	errc := make(chan error, 1)
	go func() { errc <- m.client.Handshake() }()
	var clientErr error
	clientDone := false
	si := 0
	for {
		select {
		case <-m.peer.ready:
			b := m.peer.take()
			for len(b) > 0 {
				n := len(b)
				if len(split) > 0 {
					n = min(max(split[si%len(split)], 1), len(b))
					si++
				}
				if !m.feed(b[:n]) {
					b = nil
					break
				}
				b = b[n:]
			}
		case f := <-m.low.tasks:
			f(nil)
		case clientErr = <-errc:
			clientDone = true
			if clientErr != nil {
				return clientErr
			}
		case <-opened:
			if clientDone {
				return clientErr
			}
			opened = nil
		case <-time.After(20 * time.Second):
			return errors.New("in-memory handshake timed out")
		}
		if clientDone && opened == nil {
			return clientErr
		}
	}
}

// end closes the session as the loop does and waits for the handshake
// goroutines to exit.
func (m *memSession) end() {
	if m.ended {
		return
	}
	m.ended = true
	m.low.runTasks()
	_ = m.low.CloseWithError(netpoll.ErrClosed)
	_, reason := m.low.isClosed()
	m.c.closed(reason)
	m.peer.close()
	deadline := time.Now().Add(20 * time.Second)
	for m.srv.Stats().Handshaking > 0 {
		if time.Now().After(deadline) {
			m.t.Errorf("handshake goroutine still running")
			return
		}
		m.low.runTasks()
		time.Sleep(time.Millisecond)
	}
	m.low.runTasks()
}
