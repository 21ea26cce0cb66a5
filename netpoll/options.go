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
	DefaultMaxPendingWrite = 4 << 20
	DefaultMaxInputBuffer  = 4 << 20
	DefaultReadBufferSize  = 64 << 10
	DefaultCloseTimeout    = 5 * time.Second
	DefaultLinger          = 2 * time.Second
)

// Options holds a Server's configuration; build it with Option functions.
type Options struct {
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
type Option func(*Options)

func defaultOptions() Options {
	return Options{
		Loops:           runtime.NumCPU(),
		MaxPendingWrite: DefaultMaxPendingWrite,
		MaxInputBuffer:  DefaultMaxInputBuffer,
		ReadBufferSize:  DefaultReadBufferSize,
		CloseTimeout:    DefaultCloseTimeout,
		Linger:          DefaultLinger,
		TCPNoDelay:      true,
	}
}

// WithLoops sets the number of event loops (default runtime.NumCPU()).
func WithLoops(n int) Option {
	return func(o *Options) {
		if n > 0 {
			o.Loops = n
		}
	}
}

// WithLoadBalancing selects how accepted connections are spread over loops
// (default LeastConnections).
func WithLoadBalancing(lb LoadBalancing) Option {
	return func(o *Options) { o.LoadBalancing = lb }
}

// WithReusePort gives every loop its own SO_REUSEPORT listener, so the
// kernel spreads connections and no accept hand-off crosses loops.
func WithReusePort(on bool) Option {
	return func(o *Options) { o.ReusePort = on }
}

// WithIdleTimeout closes connections that receive nothing for d, with reason
// ErrIdleTimeout. Zero (the default) disables it. Writes do not count as
// activity. Conn.SetIdleTimeout overrides it per connection.
func WithIdleTimeout(d time.Duration) Option {
	return func(o *Options) { o.IdleTimeout = d }
}

// WithMaxPendingWrite bounds the bytes queued per connection that the kernel
// has not taken yet (default 4 MiB). A Write that would exceed it fails with
// ErrWriteQueueFull. One exception keeps large messages possible: a write to
// a connection with an empty queue is always accepted, so the queue may hold
// one message larger than the bound. While more than half the bound is
// queued, the connection is not read (its peer is slowed by TCP flow
// control); reading resumes once the queue drains below a quarter of it.
func WithMaxPendingWrite(n int) Option {
	return func(o *Options) {
		if n > 0 {
			o.MaxPendingWrite = n
		}
	}
}

// WithCloseOnWriteOverflow makes a write past the pending bound also close
// the connection (reason ErrWriteQueueFull), instead of only failing.
func WithCloseOnWriteOverflow(on bool) Option {
	return func(o *Options) { o.CloseOnOverflow = on }
}

// WithMaxInputBuffer bounds the unconsumed bytes a handler may leave with a
// connection (default 4 MiB); past it the connection closes with
// ErrInputTooLarge. Decoders that keep their own buffers never reach it.
func WithMaxInputBuffer(n int) Option {
	return func(o *Options) {
		if n > 0 {
			o.MaxInputBuffer = n
		}
	}
}

// WithReadBufferSize sets the size of each loop's shared read buffer
// (default 64 KiB).
func WithReadBufferSize(n int) Option {
	return func(o *Options) {
		if n > 0 {
			o.ReadBufferSize = n
		}
	}
}

// WithCloseTimeout bounds how long a graceful close (Close, Shutdown) waits
// for pending writes to drain before closing hard (default 5 s).
func WithCloseTimeout(d time.Duration) Option {
	return func(o *Options) {
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
// closes or the linger ends. Zero closes at once after the flush. Server
// Shutdown does not linger.
func WithLinger(d time.Duration) Option {
	return func(o *Options) {
		if d >= 0 {
			o.Linger = d
		}
	}
}

// WithTCPKeepAlive enables TCP keep-alive with the given period; zero leaves
// the system default.
func WithTCPKeepAlive(d time.Duration) Option {
	return func(o *Options) { o.TCPKeepAlive = d }
}

// WithTCPNoDelay sets TCP_NODELAY on connections (default true).
func WithTCPNoDelay(on bool) Option {
	return func(o *Options) { o.TCPNoDelay = on }
}

// WithSocketBuffers sets SO_RCVBUF and SO_SNDBUF; zero keeps the default.
func WithSocketBuffers(read, write int) Option {
	return func(o *Options) {
		o.SocketReadBuffer = read
		o.SocketWriteBuffer = write
	}
}

// WithErrorLog receives errors that have no caller to return to, such as a
// failed accept. The default discards them.
func WithErrorLog(f func(error)) Option {
	return func(o *Options) { o.ErrorLog = f }
}
