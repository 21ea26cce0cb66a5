//go:build netpoll_portable || !(linux || darwin || freebsd)

package netpoll

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// listener is a bound socket of the standard net package.
type listener struct {
	ln   net.Listener
	addr *net.TCPAddr
}

// Listen binds a listener ("tcp", "tcp4" or "tcp6"). It may be called
// before Serve, so Addr can report a port chosen by the system. The portable
// backend ignores WithReusePort: one listener, one accepting goroutine.
func (s *Server) Listen(network, addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return ErrServerClosed
	}
	if s.serving {
		return ErrServerStarted
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return fmt.Errorf("netpoll: listen: %w", err)
	}
	ta, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		ln.Close()
		return fmt.Errorf("netpoll: listen: %s is not a TCP network", network)
	}
	s.lns = append(s.lns, &listener{ln: ln, addr: ta})
	return nil
}

// Serve accepts connections on the listeners until Shutdown; it then
// returns ErrServerClosed. A server without listeners serves only the
// connections made with Dial.
func (s *Server) Serve() error {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return ErrServerClosed
	}
	if s.serving {
		s.mu.Unlock()
		return ErrServerStarted
	}
	s.serving = true
	for _, ln := range s.lns {
		s.accepting.Add(1)
		go s.acceptLoop(ln)
	}
	s.mu.Unlock()
	<-s.done
	return ErrServerClosed
}

// acceptLoop accepts from ln until Shutdown closes it, backing off on
// errors such as running out of descriptors.
func (s *Server) acceptLoop(ln *listener) {
	defer s.accepting.Done()
	backoff := time.Duration(0)
	for {
		nc, err := ln.ln.Accept()
		if err != nil {
			select {
			case <-s.closing:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// EMFILE and the like: the pending connection stays in the
			// backlog; existing connections keep being served.
			s.rejected.Add(1)
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.logError(fmt.Errorf("netpoll: accept: %w; retrying in %v", err, backoff))
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-s.closing:
				t.Stop()
				return
			}
			continue
		}
		backoff = 0
		s.accepted.Add(1)
		var local *net.TCPAddr
		if !ln.addr.IP.IsUnspecified() {
			local = ln.addr
		}
		if _, err := s.serveConn(nc, local, nil); err != nil && err != ErrServerClosed {
			s.logError(err)
		}
	}
}

// serveConn wraps nc in a Conn and starts its loop goroutine. opened, if
// not nil, is closed once OnOpen has run.
func (s *Server) serveConn(nc net.Conn, local *net.TCPAddr, opened chan struct{}) (*Conn, error) {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		nc.Close()
		return nil, errors.New("netpoll: not a TCP connection")
	}
	configureConn(tc, &s.opts)
	c := &Conn{fd: -1, local: local}
	if local == nil {
		c.local, _ = tc.LocalAddr().(*net.TCPAddr)
	}
	if ra, ok := tc.RemoteAddr().(*net.TCPAddr); ok {
		c.setRemote(ra.AddrPort())
	}
	if rc, err := tc.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) { c.fd = int(fd) })
	}
	l := &loop{srv: s, c: c, nc: tc, wakeCh: make(chan struct{}, 1)}
	c.loop = l
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		nc.Close()
		return nil, ErrServerClosed
	}
	l.idx = len(s.loops)
	s.loops = append(s.loops, l)
	l.count.Store(1)
	s.mu.Unlock()
	go l.run(opened)
	return c, nil
}

// removeLoop forgets a connection whose loop has finished, and completes a
// Shutdown waiting for the last one.
func (s *Server) removeLoop(l *loop) {
	s.mu.Lock()
	last := len(s.loops) - 1
	s.loops[l.idx] = s.loops[last]
	s.loops[l.idx].idx = l.idx
	s.loops[last] = nil
	s.loops = s.loops[:last]
	s.finishLocked()
	s.mu.Unlock()
}

// finishLocked closes s.done once the server stops with no connection left.
// Called with s.mu held.
func (s *Server) finishLocked() {
	if !s.stopping || len(s.loops) > 0 {
		return
	}
	select {
	case <-s.done:
	default:
		close(s.done)
	}
}

// configureConn applies the server's TCP options to an accepted or dialed
// connection. Failures are not fatal: the connection works without them.
func configureConn(tc *net.TCPConn, o *options) {
	_ = tc.SetNoDelay(o.TCPNoDelay)
	if o.TCPKeepAlive > 0 {
		_ = tc.SetKeepAlive(true)
		_ = tc.SetKeepAlivePeriod(o.TCPKeepAlive)
	}
	if o.SocketReadBuffer > 0 {
		_ = tc.SetReadBuffer(o.SocketReadBuffer)
	}
	if o.SocketWriteBuffer > 0 {
		_ = tc.SetWriteBuffer(o.SocketWriteBuffer)
	}
}

// Dial connects to addr and serves the connection with the server's
// Handler, like an accepted one. OnOpen has run when Dial returns. A
// client-only program may Dial without Serve.
func (s *Server) Dial(ctx context.Context, network, addr string) (*Conn, error) {
	s.mu.Lock()
	stopping := s.stopping
	s.mu.Unlock()
	if stopping {
		return nil, ErrServerClosed
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("netpoll: dial: %w", err)
	}
	if _, ok := nc.(*net.TCPConn); !ok {
		nc.Close()
		return nil, fmt.Errorf("netpoll: dial: %s is not a TCP network", network)
	}
	opened := make(chan struct{})
	c, err := s.serveConn(nc, nil, opened)
	if err != nil {
		return nil, err
	}
	<-opened
	return c, nil
}

// Shutdown stops accepting, closes every connection gracefully (pending
// writes are flushed, bounded by the close timeout) and returns when every
// connection's goroutine has finished. If ctx ends first, the remaining
// connections are closed at once and ctx's error is returned after they
// finish.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.stopping = true
	close(s.closing)
	for _, ln := range s.lns {
		ln.ln.Close()
	}
	s.mu.Unlock()
	s.accepting.Wait()
	for _, c := range s.openConns() {
		c.mu.Lock()
		c.state |= stNoLinger
		lingering := c.state&stLinger != 0
		c.mu.Unlock()
		if lingering {
			// Flushed already; Shutdown does not linger.
			c.loop.post(func(l *loop) { l.finishClose(c) })
			continue
		}
		_ = c.CloseWithError(ErrServerClosed)
	}
	s.mu.Lock()
	s.finishLocked()
	s.mu.Unlock()
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
	}
	for _, c := range s.openConns() {
		c.closeHard(ErrServerClosed)
	}
	<-s.done
	return ctx.Err()
}

// openConns returns the connections whose loops still run.
func (s *Server) openConns() []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	conns := make([]*Conn, len(s.loops))
	for i, l := range s.loops {
		conns[i] = l.c
	}
	return conns
}
