//go:build darwin && !netpoll_portable

package netpoll

import "golang.org/x/sys/unix"

// acceptAddr receives the peer address of an accepted connection.
type acceptAddr struct {
	ip  [16]byte
	ptr uint16
}

// accept has no accept4 on darwin: flags are set after the fact.
func accept(fd int, a *acceptAddr) (int, error) {
	nfd, sa, err := unix.Accept(fd)
	if err != nil {
		return -1, err
	}
	unix.CloseOnExec(nfd)
	if err := unix.SetNonblock(nfd, true); err != nil {
		unix.Close(nfd)
		return -1, err
	}
	_ = unix.SetsockoptInt(nfd, unix.SOL_SOCKET, unix.SO_NOSIGPIPE, 1)
	ap := sockaddrToAddrPort(sa)
	a.ip, a.ptr = ap.Addr().As16(), ap.Port()
	return nfd, nil
}

func writev(fd int, bufs [][]byte) (int, error) { return unix.Writev(fd, bufs) }

func setKeepAlivePeriod(fd, secs int) {
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPALIVE, secs)
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, secs)
}
