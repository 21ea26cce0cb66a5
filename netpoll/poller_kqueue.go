//go:build (darwin || freebsd) && !netpoll_portable

package netpoll

import (
	"golang.org/x/sys/unix"
)

// poller wraps one kqueue; EVFILT_USER ident 0 wakes it.
type poller struct {
	kq     int
	events []unix.Kevent_t
	full   bool // the last wait filled events: grow before the next
}

func newPoller() (*poller, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, err
	}
	unix.CloseOnExec(kq)
	ch := []unix.Kevent_t{{Ident: 0, Filter: unix.EVFILT_USER, Flags: unix.EV_ADD | unix.EV_CLEAR}}
	if _, err := unix.Kevent(kq, ch, nil, nil); err != nil {
		unix.Close(kq)
		return nil, err
	}
	return &poller{kq: kq, events: make([]unix.Kevent_t, 128)}, nil
}

func (p *poller) change(fd int, read, write bool, add bool) error {
	var ch [2]unix.Kevent_t
	flags := func(on bool) int {
		f := unix.EV_DISABLE
		if on {
			f = unix.EV_ENABLE
		}
		if add {
			f |= unix.EV_ADD
		}
		return f
	}
	unix.SetKevent(&ch[0], fd, unix.EVFILT_READ, flags(read))
	unix.SetKevent(&ch[1], fd, unix.EVFILT_WRITE, flags(write))
	_, err := unix.Kevent(p.kq, ch[:], nil, nil)
	return err
}

func (p *poller) add(fd int, read bool) error { return p.change(fd, read, false, true) }

// mod sets the interest of fd. It is safe from any goroutine; callers hold
// the conn's lock so interest changes for one fd are ordered.
func (p *poller) mod(fd int, read, write bool) error { return p.change(fd, read, write, false) }

// del is a no-op: closing the descriptor removes its filters.
func (p *poller) del(fd int) error { return nil }

func (p *poller) wake() error {
	ch := []unix.Kevent_t{{Ident: 0, Filter: unix.EVFILT_USER, Fflags: unix.NOTE_TRIGGER}}
	_, err := unix.Kevent(p.kq, ch, nil, nil)
	return err
}

// wait blocks up to msec milliseconds (-1: forever) and reports how many
// connection events are ready and whether the loop was woken.
func (p *poller) wait(msec int) (n int, woke bool, err error) {
	var ts *unix.Timespec
	if msec >= 0 {
		t := unix.NsecToTimespec(int64(msec) * 1e6)
		ts = &t
	}
	if p.full && len(p.events) < 4096 {
		p.events = make([]unix.Kevent_t, 2*len(p.events))
	}
	n, err = unix.Kevent(p.kq, nil, p.events, ts)
	p.full = n == len(p.events)
	if err != nil {
		return 0, false, err
	}
	for i := 0; i < n; i++ {
		if p.events[i].Filter == unix.EVFILT_USER {
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
	switch e.Filter {
	case unix.EVFILT_READ:
		ev = evRead
	case unix.EVFILT_WRITE:
		ev = evWrite
		if e.Flags&unix.EV_EOF != 0 {
			ev |= evHup
		}
	}
	if e.Flags&unix.EV_ERROR != 0 {
		ev |= evErr
	}
	return int(e.Ident), ev
}

func (p *poller) close() { unix.Close(p.kq) }
