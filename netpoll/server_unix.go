//go:build (linux || darwin || freebsd) && !netpoll_portable

package netpoll

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// listener is a bound socket kept as a non-blocking *os.File.
type listener struct {
	f    *os.File
	addr *net.TCPAddr
}

// Listen binds a listener ("tcp", "tcp4" or "tcp6"). It may be called
// before Serve, so Addr can report a port chosen by the system. With
// WithReusePort, every loop gets its own listener on the same address.
func (s *Server) Listen(network, addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return ErrServerClosed
	}
	if s.serving {
		return ErrServerStarted
	}
	n := 1
	lc := net.ListenConfig{}
	if s.opts.ReusePort {
		n = s.opts.Loops
		lc.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
			})
			return errors.Join(err, serr)
		}
	}
	for i := 0; i < n; i++ {
		ln, err := lc.Listen(context.Background(), network, addr)
		if err != nil {
			return fmt.Errorf("netpoll: listen: %w", err)
		}
		tl, ok := ln.(*net.TCPListener)
		if !ok {
			ln.Close()
			return fmt.Errorf("netpoll: listen: %s is not a TCP network", network)
		}
		// A TCPListener's raw conn cannot wait for readability, an
		// *os.File's can: keep a duplicate of the socket as a file, so the
		// acceptor parks in Go's own poller between accepts.
		f, err := tl.File()
		tl.Close()
		if err != nil {
			return fmt.Errorf("netpoll: listen: %w", err)
		}
		s.lns = append(s.lns, &listener{f: f, addr: tl.Addr().(*net.TCPAddr)})
		addr = tl.Addr().String() // later reuseport listeners bind the chosen port
	}
	return nil
}

// start launches the loops once.
func (s *Server) start() error {
	if s.started || s.startErr != nil {
		return s.startErr
	}
	for i := 0; i < s.opts.Loops; i++ {
		l, err := newLoop(s, i)
		if err != nil {
			for _, l := range s.loops {
				l.shutting = true
				l.p.close()
			}
			s.loops = nil
			s.startErr = fmt.Errorf("netpoll: create poller: %w", err)
			return s.startErr
		}
		s.loops = append(s.loops, l)
	}
	for _, l := range s.loops {
		go l.run()
	}
	go func() {
		for _, l := range s.loops {
			<-l.done
		}
		close(s.done)
	}()
	s.started = true
	return nil
}

// Serve starts the loops and accepts connections on the listeners until
// Shutdown; it then returns ErrServerClosed. A server without listeners
// serves only the connections made with Dial.
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
	if err := s.start(); err != nil {
		s.mu.Unlock()
		return err
	}
	for i, ln := range s.lns {
		var own *loop
		if s.opts.ReusePort {
			own = s.loops[i%len(s.loops)]
		}
		s.accepting.Add(1)
		go s.acceptLoop(ln, own)
	}
	s.mu.Unlock()
	<-s.done
	return ErrServerClosed
}

// acceptLoop accepts from ln until it is closed. It waits for readiness in
// Go's own poller, so it costs one parked goroutine per listener.
func (s *Server) acceptLoop(ln *listener, own *loop) {
	defer s.accepting.Done()
	rc, err := ln.f.SyscallConn()
	if err != nil {
		s.logError(fmt.Errorf("netpoll: listener: %w", err))
		return
	}
	var local *net.TCPAddr
	if !ln.addr.IP.IsUnspecified() {
		local = ln.addr
	}
	backoff := time.Duration(0)
	var addr acceptAddr
	var nfd int
	var aerr error
	acceptOne := func(fd uintptr) bool {
		nfd, aerr = accept(int(fd), &addr)
		return aerr != unix.EAGAIN
	}
	for {
		err := rc.Read(acceptOne)
		if err != nil {
			return // listener closed by Shutdown
		}
		if aerr != nil {
			if aerr == unix.EINTR || aerr == unix.ECONNABORTED {
				continue
			}
			// EMFILE, ENFILE, ENOBUFS, ENOMEM: the pending connection stays
			// in the backlog. Back off instead of spinning on a listener that
			// stays readable; existing connections keep being served.
			s.rejected.Add(1)
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.logError(fmt.Errorf("netpoll: accept: %w; retrying in %v", aerr, backoff))
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
		configureSocket(nfd, &s.opts)
		c := &Conn{fd: nfd, raddr: addr.ip, rport: addr.ptr, local: local}
		l := own
		if l == nil {
			l = s.pick()
		}
		c.loop = l
		l.count.Add(1)
		l.adopt(c)
	}
}

// pick chooses a loop for a new connection.
func (s *Server) pick() *loop {
	if s.opts.LoadBalancing == RoundRobin {
		return s.loops[int(s.next.Add(1)-1)%len(s.loops)]
	}
	best := s.loops[0]
	for _, l := range s.loops[1:] {
		if l.count.Load() < best.count.Load() {
			best = l
		}
	}
	return best
}

// Dial connects to addr and serves the connection on one of the loops with
// the server's Handler, like an accepted one. OnOpen has run when Dial
// returns. The loops start on first use, so a client-only program may Dial
// without Serve.
func (s *Server) Dial(ctx context.Context, network, addr string) (*Conn, error) {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return nil, ErrServerClosed
	}
	err := s.start()
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("netpoll: dial: %w", err)
	}
	defer nc.Close()
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil, fmt.Errorf("netpoll: dial: %s is not a TCP network", network)
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("netpoll: dial: %w", err)
	}
	// Take over a duplicate of the socket; closing nc leaves it open.
	fd := -1
	var derr error
	if err := rc.Control(func(f uintptr) { fd, derr = unix.FcntlInt(f, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, fmt.Errorf("netpoll: dial: %w", err)
	}
	if derr != nil {
		return nil, fmt.Errorf("netpoll: dial: dup: %w", derr)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netpoll: dial: %w", err)
	}
	configureSocket(fd, &s.opts)
	c := &Conn{fd: fd, local: tc.LocalAddr().(*net.TCPAddr)}
	c.setRemote(tc.RemoteAddr().(*net.TCPAddr).AddrPort())
	s.mu.Lock()
	l := s.pick()
	s.mu.Unlock()
	c.loop = l
	l.count.Add(1)
	res := make(chan error, 1)
	l.post(func(l *loop) { res <- l.register(c) })
	if err := <-res; err != nil {
		return nil, err
	}
	return c, nil
}

// Shutdown stops accepting, closes every connection gracefully (pending
// writes are flushed, bounded by the close timeout) and returns when every
// loop has exited. If ctx ends first, the remaining connections are closed
// at once and ctx's error is returned after the loops exit.
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
		ln.f.Close()
	}
	loops := s.loops
	if !s.started {
		close(s.done)
	}
	s.mu.Unlock()
	s.accepting.Wait()

	for _, l := range loops {
		l.post(func(l *loop) { l.shutdown(false) })
	}
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
	}
	for _, l := range loops {
		l.post(func(l *loop) { l.shutdown(true) })
	}
	<-s.done
	return ctx.Err()
}
