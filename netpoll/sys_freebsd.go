//go:build freebsd && !netpoll_portable

package netpoll

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// acceptAddr receives the peer address of an accepted connection.
type acceptAddr struct {
	ip  [16]byte
	ptr uint16
}

func accept(fd int, a *acceptAddr) (int, error) {
	nfd, sa, err := unix.Accept4(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	if err != nil {
		return -1, err
	}
	ap := sockaddrToAddrPort(sa)
	a.ip, a.ptr = ap.Addr().As16(), ap.Port()
	return nfd, nil
}

// writev calls the system call directly: x/sys has no Writev on FreeBSD.
func writev(fd int, bufs [][]byte) (int, error) {
	iov := make([]unix.Iovec, 0, len(bufs))
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		v := unix.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		iov = append(iov, v)
	}
	if len(iov) == 0 {
		return 0, nil
	}
	n, _, e := unix.Syscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}

func setKeepAlivePeriod(fd, secs int) {
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, secs)
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, secs)
}
