package netpoll

import "errors"

var (
	// ErrServerClosed is returned by Serve after Shutdown, and is the close
	// reason of connections closed by Shutdown.
	ErrServerClosed = errors.New("netpoll: server closed")
	// ErrClosed is returned by operations on a closed connection, and is the
	// close reason of a connection closed locally with Close or CloseNow.
	ErrClosed = errors.New("netpoll: connection closed")
	// ErrWriteQueueFull is returned by Write and Writev when accepting the
	// bytes would push the connection's pending output past the bound set
	// with WithMaxPendingWrite. With WithCloseOnWriteOverflow it is also the
	// close reason.
	ErrWriteQueueFull = errors.New("netpoll: connection write queue full")
	// ErrIdleTimeout is the close reason of a connection that received
	// nothing for its idle timeout.
	ErrIdleTimeout = errors.New("netpoll: idle timeout")
	// ErrDeadline is the close reason of a connection still open when the
	// time set with Conn.CloseAfter ran out.
	ErrDeadline = errors.New("netpoll: deadline exceeded")
	// ErrTooManyTasks is returned by Conn.Execute when the connection
	// already has the most functions waiting that Execute allows
	// (MaxExecutes): a bound, so that a goroutine calling Execute in a loop
	// cannot grow its loop's queue without limit.
	ErrTooManyTasks = errors.New("netpoll: too many functions queued for the connection")
	// ErrFlushTimeout is the close reason of a gracefully closing connection
	// whose pending output could not be flushed in time (the peer stopped
	// reading). The original reason is wrapped alongside it.
	ErrFlushTimeout = errors.New("netpoll: close flush timeout")
	// ErrInputTooLarge is the close reason of a connection whose handler left
	// more unconsumed bytes than WithMaxInputBuffer allows.
	ErrInputTooLarge = errors.New("netpoll: unconsumed input exceeds limit")
	// ErrUnsupportedPlatform is returned on platforms without epoll or kqueue.
	ErrUnsupportedPlatform = errors.New("netpoll: unsupported platform (needs linux, darwin or freebsd)")
	// ErrServerStarted is returned when Serve is called twice or Listen
	// after the server stopped.
	ErrServerStarted = errors.New("netpoll: server already started")
)
