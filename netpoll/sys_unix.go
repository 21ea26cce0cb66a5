//go:build (linux || darwin || freebsd) && !netpoll_portable

package netpoll

import (
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// maxIovecs bounds one writev call (IOV_MAX is 1024 on every target).
const maxIovecs = 1024

func readFd(fd int, b []byte) (int, error) {
	n, err := unix.Read(fd, b)
	if n < 0 {
		n = 0
	}
	return n, err
}

// writeFd writes as much of b as the kernel takes, retrying on EINTR.
func writeFd(fd int, b []byte) (int, error) {
	total := 0
	for total < len(b) {
		n, err := unix.Write(fd, b[total:])
		if n > 0 {
			total += n
		}
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return total, err
		}
		if n == 0 {
			return total, unix.EAGAIN
		}
	}
	return total, nil
}

// writevFd writes bufs with as few writev calls as the kernel allows.
func writevFd(fd int, bufs [][]byte) (int, error) {
	if len(bufs) == 1 {
		return writeFd(fd, bufs[0])
	}
	for len(bufs) > 0 && len(bufs[0]) == 0 {
		bufs = bufs[1:]
	}
	if len(bufs) > maxIovecs {
		bufs = bufs[:maxIovecs]
	}
	for {
		n, err := writev(fd, bufs)
		if err == unix.EINTR {
			continue
		}
		if n < 0 {
			n = 0
		}
		return n, err
	}
}

// configureSocket applies the server's TCP options to an accepted or dialed
// socket. Failures are not fatal: the connection works without them.
func configureSocket(fd int, o *options) {
	if o.TCPNoDelay {
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	if o.TCPKeepAlive > 0 {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1)
		setKeepAlivePeriod(fd, int((o.TCPKeepAlive+time.Second-1)/time.Second))
	}
	if o.SocketReadBuffer > 0 {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, o.SocketReadBuffer)
	}
	if o.SocketWriteBuffer > 0 {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, o.SocketWriteBuffer)
	}
}

func sockaddrToAddrPort(sa unix.Sockaddr) netip.AddrPort {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port))
	}
	return netip.AddrPort{}
}
