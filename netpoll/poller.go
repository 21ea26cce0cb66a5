//go:build (linux || darwin || freebsd) && !netpoll_portable

package netpoll

// Event bits the pollers report, the same on every platform. Each poller
// (poller_epoll.go, poller_kqueue.go) has the same methods: newPoller, add,
// mod, del, wake, wait, event and close.
const (
	evRead uint8 = 1 << iota
	evWrite
	evHup
	evErr
)
