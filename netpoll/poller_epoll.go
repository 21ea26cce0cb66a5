//go:build linux && !netpoll_portable

package netpoll

import (
	"golang.org/x/sys/unix"
)

// poller wraps one epoll instance plus an eventfd to wake it.
type poller struct {
	epfd   int
	wfd    int
	events []unix.EpollEvent
	full   bool // the last wait filled events: grow before the next
}

func newPoller() (*poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wfd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wfd, &ev); err != nil {
		unix.Close(wfd)
		unix.Close(epfd)
		return nil, err
	}
	return &poller{epfd: epfd, wfd: wfd, events: make([]unix.EpollEvent, 128)}, nil
}

func interest(read, write bool) uint32 {
	var e uint32
	if read {
		e |= unix.EPOLLIN | unix.EPOLLRDHUP
	}
	if write {
		e |= unix.EPOLLOUT
	}
	return e
}

func (p *poller) add(fd int, read bool) error {
	ev := unix.EpollEvent{Events: interest(read, false), Fd: int32(fd)}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
}

// mod sets the interest of fd. It is safe from any goroutine; callers hold
// the conn's lock so interest changes for one fd are ordered.
func (p *poller) mod(fd int, read, write bool) error {
	ev := unix.EpollEvent{Events: interest(read, write), Fd: int32(fd)}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev)
}

func (p *poller) del(fd int) error {
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

var wakeBytes = []byte{1, 0, 0, 0, 0, 0, 0, 0}

func (p *poller) wake() error {
	_, err := unix.Write(p.wfd, wakeBytes)
	if err == unix.EAGAIN {
		return nil // counter saturated: a wake-up is pending anyway
	}
	return err
}

// wait blocks up to msec milliseconds (-1: forever) and reports how many
// connection events are ready and whether the loop was woken.
func (p *poller) wait(msec int) (n int, woke bool, err error) {
	if p.full && len(p.events) < 4096 {
		p.events = make([]unix.EpollEvent, 2*len(p.events))
	}
	n, err = unix.EpollWait(p.epfd, p.events, msec)
	p.full = n == len(p.events)
	if err != nil {
		return 0, false, err
	}
	for i := 0; i < n; i++ {
		if int(p.events[i].Fd) == p.wfd {
			var b [8]byte
			_, _ = unix.Read(p.wfd, b[:])
			woke = true
			p.events[i] = p.events[n-1]
			n--
			break
		}
	}
	return n, woke, nil
}

func (p *poller) event(i int) (fd int, ev uint8) {
	e := &p.events[i]
	if e.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLPRI) != 0 {
		ev |= evRead
	}
	if e.Events&unix.EPOLLOUT != 0 {
		ev |= evWrite
	}
	if e.Events&unix.EPOLLHUP != 0 {
		ev |= evHup
	}
	if e.Events&unix.EPOLLERR != 0 {
		ev |= evErr
	}
	return int(e.Fd), ev
}

func (p *poller) close() {
	unix.Close(p.wfd)
	unix.Close(p.epfd)
}
