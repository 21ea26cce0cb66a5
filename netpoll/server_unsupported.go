//go:build !(linux || darwin || freebsd)

package netpoll

import (
	"context"
	"net"
	"sync/atomic"
	"time"
)

// loop is a placeholder so the portable code compiles.
type loop struct {
	srv   *Server
	count atomic.Int64
}

// Listen returns ErrUnsupportedPlatform.
func (s *Server) Listen(network, addr string) error { return ErrUnsupportedPlatform }

// Serve returns ErrUnsupportedPlatform.
func (s *Server) Serve() error { return ErrUnsupportedPlatform }

// Dial returns ErrUnsupportedPlatform.
func (s *Server) Dial(ctx context.Context, network, addr string) (*Conn, error) {
	return nil, ErrUnsupportedPlatform
}

// Shutdown returns nil: there is nothing to stop.
func (s *Server) Shutdown(ctx context.Context) error { return nil }

// LocalAddr returns nil.
func (c *Conn) LocalAddr() net.Addr { return nil }

// Write returns ErrUnsupportedPlatform.
func (c *Conn) Write(b []byte) (int, error) { return 0, ErrUnsupportedPlatform }

// WriteOwned returns ErrUnsupportedPlatform.
func (c *Conn) WriteOwned(b []byte) (int, error) { return 0, ErrUnsupportedPlatform }

// Writev returns ErrUnsupportedPlatform.
func (c *Conn) Writev(bufs ...[]byte) (int, error) { return 0, ErrUnsupportedPlatform }

// CloseWithError returns ErrUnsupportedPlatform.
func (c *Conn) CloseWithError(reason error) error { return ErrUnsupportedPlatform }

// CloseNow returns ErrUnsupportedPlatform.
func (c *Conn) CloseNow() error { return ErrUnsupportedPlatform }

// PauseReading does nothing.
func (c *Conn) PauseReading() {}

// ResumeReading does nothing.
func (c *Conn) ResumeReading() {}

// SetIdleTimeout does nothing.
func (c *Conn) SetIdleTimeout(d time.Duration) {}

// Fd returns -1.
func (c *Conn) Fd() int { return -1 }

// Wake does nothing.
func (c *Conn) Wake() {}

// Execute returns ErrUnsupportedPlatform.
func (c *Conn) Execute(f func(c *Conn)) error { return ErrUnsupportedPlatform }

// CloseAfter does nothing.
func (c *Conn) CloseAfter(d time.Duration) {}

// MaxPendingWrite returns the configured bound.
func (c *Conn) MaxPendingWrite() int { return c.loop.srv.opts.MaxPendingWrite }

// WriteBlocked returns false.
func (c *Conn) WriteBlocked() bool { return false }

// NotifyDrain does nothing.
func (c *Conn) NotifyDrain() {}

// Cork does nothing.
func (c *Conn) Cork() {}

// Uncork does nothing.
func (c *Conn) Uncork() {}
