package netpoll

import (
	"reflect"
	"testing"
	"time"
)

// TestOptionsRejectValuesThatBreakTheServer: a value that would break the
// server (no loops, a zero read buffer that makes every read look like EOF,
// a negative duration) is ignored, and the server built with all of them
// still echoes, because every value reaches it through an Option.
func TestOptionsRejectValuesThatBreakTheServer(t *testing.T) {
	bad := []Option{
		WithLoops(0), WithLoops(-1),
		WithReadBufferSize(0), WithReadBufferSize(-1),
		WithMaxPendingWrite(0), WithMaxInputBuffer(-5),
		WithCloseTimeout(0), WithLinger(-time.Second),
		WithIdleTimeout(-time.Second), WithTCPKeepAlive(-time.Second),
		WithSocketBuffers(-1, -1), WithLoadBalancing(LoadBalancing(7)),
	}
	o := defaultOptions()
	for _, opt := range bad {
		opt(&o)
	}
	if got, want := withoutFuncs(o), withoutFuncs(defaultOptions()); !reflect.DeepEqual(got, want) {
		t.Fatalf("invalid values changed the options:\n got %+v\nwant %+v", got, want)
	}

	s := startServer(t, newEchoHandler(), bad...)
	echo(t, dial(t, s), "still served")
}

// TestOptionsApplyValidValues: valid values are taken as given.
func TestOptionsApplyValidValues(t *testing.T) {
	o := defaultOptions()
	for _, opt := range []Option{
		WithLoops(3), WithLoadBalancing(RoundRobin), WithReusePort(),
		WithIdleTimeout(time.Minute), WithMaxPendingWrite(1 << 10),
		WithCloseOnWriteOverflow(), WithMaxInputBuffer(2 << 10),
		WithReadBufferSize(4 << 10), WithCloseTimeout(time.Second),
		WithLinger(0), WithTCPKeepAlive(time.Second), WithTCPNoDelay(false),
		WithSocketBuffers(8<<10, 16<<10),
	} {
		opt(&o)
	}
	want := options{
		Loops: 3, LoadBalancing: RoundRobin, ReusePort: true,
		IdleTimeout: time.Minute, MaxPendingWrite: 1 << 10, CloseOnOverflow: true,
		MaxInputBuffer: 2 << 10, ReadBufferSize: 4 << 10, CloseTimeout: time.Second,
		Linger: 0, TCPKeepAlive: time.Second, TCPNoDelay: false,
		SocketReadBuffer: 8 << 10, SocketWriteBuffer: 16 << 10,
	}
	if got := withoutFuncs(o); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

// withoutFuncs returns o without its func field, which DeepEqual cannot compare.
func withoutFuncs(o options) options {
	o.ErrorLog = nil
	return o
}
