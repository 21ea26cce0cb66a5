package tlsconn

import (
	"log"
	"runtime"
	"time"

	"github.com/netman-go/netman/netpoll"
)

// DefaultHandshakeTimeout is the time a connection has, from accept, to
// complete its handshake unless WithHandshakeTimeout says otherwise.
const DefaultHandshakeTimeout = 10 * time.Second

// Option configures a Server.
type Option func(*options)

type options struct {
	handshakeTimeout time.Duration
	maxHandshakes    int
	handshakeQueue   int // -1: 16 * maxHandshakes
	maxInputBuffer   int
	errorLog         func(error)
}

func defaultOptions() options {
	return options{
		handshakeTimeout: DefaultHandshakeTimeout,
		maxHandshakes:    256 * runtime.NumCPU(),
		handshakeQueue:   -1,
		maxInputBuffer:   netpoll.DefaultMaxInputBuffer,
		errorLog:         func(err error) { log.Print(err) },
	}
}

// WithHandshakeTimeout sets how long a connection has, from accept, to
// complete its handshake (default DefaultHandshakeTimeout). Past it the
// connection is closed and ErrHandshakeTimeout is logged.
func WithHandshakeTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.handshakeTimeout = d
		}
	}
}

// WithMaxHandshakes bounds the handshakes that run at the same time (default
// 256 * runtime.NumCPU()). Each running handshake holds one goroutine, only
// for its duration; established connections hold none.
func WithMaxHandshakes(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxHandshakes = n
		}
	}
}

// WithHandshakeQueue bounds the connections whose ClientHello has arrived but
// that wait for one of the WithMaxHandshakes slots (default 16 times that
// many). A waiting connection holds no goroutine; its handshake timeout keeps
// running. A connection arriving when the queue is full is closed and
// ErrTooManyHandshakes is logged. Zero refuses every handshake that cannot
// start at once.
func WithHandshakeQueue(n int) Option {
	return func(o *options) {
		if n >= 0 {
			o.handshakeQueue = n
		}
	}
}

// WithMaxInputBuffer bounds the plaintext a Handler may leave unconsumed
// (default netpoll.DefaultMaxInputBuffer); past it the connection closes with
// netpoll.ErrInputTooLarge.
func WithMaxInputBuffer(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxInputBuffer = n
		}
	}
}

// WithErrorLog receives the errors that have no caller to return to: failed,
// timed out and refused handshakes. The default writes them with the
// standard library's log package, as net/http does; nil discards them.
func WithErrorLog(f func(error)) Option {
	return func(o *options) {
		if f == nil {
			f = func(error) {}
		}
		o.errorLog = f
	}
}
