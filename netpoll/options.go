package netpoll

import (
	"runtime"
	"time"
)

// LoadBalancing selects how accepted connections are spread over loops.
type LoadBalancing int

const (
	// LeastConnections gives a new connection to the loop holding the fewest.
	LeastConnections LoadBalancing = iota
	// RoundRobin gives new connections to the loops in turn.
	RoundRobin
)

// Default values of the options.
const (
	// DefaultMaxPendingWrite is the default of WithMaxPendingWrite: 4 MiB.
	DefaultMaxPendingWrite = 4 << 20
	// DefaultMaxInputBuffer is the default of WithMaxInputBuffer: 4 MiB.
	DefaultMaxInputBuffer = 4 << 20
	// DefaultReadBufferSize is the default of WithReadBufferSize: 64 KiB.
	DefaultReadBufferSize = 64 << 10
	// DefaultCloseTimeout is the default of WithCloseTimeout.
	DefaultCloseTimeout = 5 * time.Second
	// DefaultLinger is the default of WithLinger.
	DefaultLinger = 2 * time.Second
)

// options holds a Server's configuration. It is unexported so that every
// value reaches it through an Option, which checks it: a zero Loops or
// ReadBufferSize given directly would break the server. The fields keep
// capitalised names only to keep the loop code that reads them unchanged.
type options struct {
	Loops             int
	LoadBalancing     LoadBalancing
	ReusePort         bool
	IdleTimeout       time.Duration
	MaxPendingWrite   int
	CloseOnOverflow   bool
	MaxInputBuffer    int
	ReadBufferSize    int
	CloseTimeout      time.Duration
	Linger            time.Duration
	TCPKeepAlive      time.Duration
	TCPNoDelay        bool
	SocketReadBuffer  int
	SocketWriteBuffer int
	ErrorLog          func(error)
}

// Option configures a Server.
type Option func(*options)

func defaultOptions() options {
	return options{
		Loops:           runtime.NumCPU(),
		MaxPendingWrite: DefaultMaxPendingWrite,
		MaxInputBuffer:  DefaultMaxInputBuffer,
		ReadBufferSize:  DefaultReadBufferSize,
		CloseTimeout:    DefaultCloseTimeout,
		Linger:          DefaultLinger,
		TCPNoDelay:      true,
	}
}

// WithLoops sets the number of event loops (default runtime.NumCPU()); zero
// or a negative n is ignored.
func WithLoops(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.Loops = n
		}
	}
}

// WithLoadBalancing selects how accepted connections are spread over loops
// (default LeastConnections). An unknown value is ignored.
func WithLoadBalancing(lb LoadBalancing) Option {
	return func(o *options) {
		if lb == LeastConnections || lb == RoundRobin {
			o.LoadBalancing = lb
		}
	}
}

// WithReusePort gives every loop its own SO_REUSEPORT listener, so the
// kernel spreads connections and no accept hand-off crosses loops.
func WithReusePort() Option {
	return func(o *options) { o.ReusePort = true }
}

// WithIdleTimeout closes connections that receive nothing for d, with reason
// ErrIdleTimeout. Zero (the default) disables it; a negative d is ignored.
// Writes do not count as activity. Conn.SetIdleTimeout overrides it per
// connection.
func WithIdleTimeout(d time.Duration) Option {
	return func(o *options) {
		if d >= 0 {
			o.IdleTimeout = d
		}
	}
}

// WithMaxPendingWrite bounds the bytes queued per connection that the kernel
// has not taken yet (default 4 MiB). A Write that would exceed it fails with
// ErrWriteQueueFull. One exception keeps large messages possible: a write to
// a connection with an empty queue is always accepted, so the queue may hold
// one message larger than the bound. While more than half the bound is
// queued, the connection is not read (its peer is slowed by TCP flow
// control); reading resumes once the queue drains below a quarter of it.
// Zero or a negative n is ignored.
func WithMaxPendingWrite(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.MaxPendingWrite = n
		}
	}
}

// WithCloseOnWriteOverflow makes a write past the pending bound also close
// the connection (reason ErrWriteQueueFull), instead of only failing.
func WithCloseOnWriteOverflow() Option {
	return func(o *options) { o.CloseOnOverflow = true }
}

// WithMaxInputBuffer bounds the unconsumed bytes a handler may leave with a
// connection (default 4 MiB); past it the connection closes with
// ErrInputTooLarge. Decoders that keep their own buffers never reach it.
// Zero or a negative n is ignored.
func WithMaxInputBuffer(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.MaxInputBuffer = n
		}
	}
}

// WithReadBufferSize sets the size of each loop's shared read buffer
// (default 64 KiB); zero or a negative n is ignored.
func WithReadBufferSize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.ReadBufferSize = n
		}
	}
}

// WithCloseTimeout bounds how long a graceful close (Close, Shutdown) waits
// for pending writes to drain before closing hard (default 5 s); zero or a
// negative d is ignored.
func WithCloseTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.CloseTimeout = d
		}
	}
}

// WithLinger sets how long a gracefully closed connection waits, after
// its output is flushed and its write side shut down, for the peer to
// close too (default 2 s); input arriving meanwhile is discarded. Closing a
// socket with unread input makes the kernel send a reset, which can destroy
// the last bytes written (a WebSocket close frame, an error reply) before
// the peer reads them; lingering avoids that. OnClose runs when the peer
// closes or the linger ends. Zero closes at once after the flush; a
// negative d is ignored. Server Shutdown does not linger.
func WithLinger(d time.Duration) Option {
	return func(o *options) {
		if d >= 0 {
			o.Linger = d
		}
	}
}

// WithTCPKeepAlive enables TCP keep-alive with the given period (rounded up
// to whole seconds); zero or a negative d leaves the system default.
func WithTCPKeepAlive(d time.Duration) Option {
	return func(o *options) { o.TCPKeepAlive = max(d, 0) }
}

// WithTCPNoDelay sets TCP_NODELAY on connections (default true).
func WithTCPNoDelay(on bool) Option {
	return func(o *options) { o.TCPNoDelay = on }
}

// WithSocketBuffers sets SO_RCVBUF and SO_SNDBUF of accepted and dialed
// sockets; zero or a negative size keeps the system default for that one.
func WithSocketBuffers(read, write int) Option {
	return func(o *options) {
		o.SocketReadBuffer = max(read, 0)
		o.SocketWriteBuffer = max(write, 0)
	}
}

// WithErrorLog receives errors that have no caller to return to, such as a
// failed accept. The default, and nil, discard them.
func WithErrorLog(f func(error)) Option {
	return func(o *options) { o.ErrorLog = f }
}
