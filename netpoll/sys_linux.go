//go:build linux && !netpoll_portable

package netpoll

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// acceptAddr is an acceptor's scratch space for the peer address: one per
// listener, reused for every accept, so accepting allocates nothing here.
type acceptAddr struct {
	raw unix.RawSockaddrAny
	ip  [16]byte
	ptr uint16
}

// accept takes one connection, non-blocking and close-on-exec, and leaves
// the peer's address in a.
func accept(fd int, a *acceptAddr) (int, error) {
	n := uint32(unix.SizeofSockaddrAny)
	nfd, _, e := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(fd), uintptr(unsafe.Pointer(&a.raw)),
		uintptr(unsafe.Pointer(&n)), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	if e != 0 {
		return -1, e
	}
	a.ip, a.ptr = [16]byte{}, 0
	switch a.raw.Addr.Family {
	case unix.AF_INET:
		in := (*unix.RawSockaddrInet4)(unsafe.Pointer(&a.raw))
		a.ip[10], a.ip[11] = 0xff, 0xff
		copy(a.ip[12:], in.Addr[:])
		a.ptr = ntohs(in.Port)
	case unix.AF_INET6:
		in := (*unix.RawSockaddrInet6)(unsafe.Pointer(&a.raw))
		a.ip = in.Addr
		a.ptr = ntohs(in.Port)
	}
	return int(nfd), nil
}

// ntohs reads a port stored in network byte order.
func ntohs(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}

func writev(fd int, bufs [][]byte) (int, error) { return unix.Writev(fd, bufs) }

func setKeepAlivePeriod(fd, secs int) {
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, secs)
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, secs)
}
