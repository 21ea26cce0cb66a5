package netpoll

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestSocketOptions: accepted sockets get TCP_NODELAY by default, and the
// keep-alive and buffer options when asked.
func TestSocketOptions(t *testing.T) {
	conns := make(chan *Conn, 1)
	s := startServer(t, HandlerFuncs{Open: func(c *Conn) { conns <- c }},
		WithTCPKeepAlive(17*time.Second), WithSocketBuffers(64<<10, 96<<10))
	dial(t, s)
	c := <-conns
	get := func(level, opt int) int {
		v, err := unix.GetsockoptInt(c.Fd(), level, opt)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if get(unix.IPPROTO_TCP, unix.TCP_NODELAY) == 0 {
		t.Error("TCP_NODELAY not set")
	}
	if get(unix.SOL_SOCKET, unix.SO_KEEPALIVE) == 0 {
		t.Error("SO_KEEPALIVE not set")
	}
	if v := get(unix.IPPROTO_TCP, unix.TCP_KEEPIDLE); v != 17 {
		t.Errorf("TCP_KEEPIDLE = %d, want 17", v)
	}
	// Linux doubles the requested buffer sizes for bookkeeping.
	if v := get(unix.SOL_SOCKET, unix.SO_SNDBUF); v < 96<<10 {
		t.Errorf("SO_SNDBUF = %d, want at least %d", v, 96<<10)
	}
}
