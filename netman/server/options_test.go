package server

import (
	"testing"
	"time"

	"github.com/netman-go/netman/framing"
	"github.com/netman-go/netman/netpoll"
	"github.com/netman-go/netman/ws"
)

// One type per concept: netman's options and the lower layers' options for
// the same limit take the same type, so a value passes through unconverted.
// These lines stop compiling if one side changes alone.
var (
	_ = func(n uint32) { _, _ = WithMaxBodyLength(n), framing.WithMaxBodyLength(n) }
	_ = func(n int) { _, _ = WithMaxMessageSize(n), ws.WithMaxMessageSize(n) }
	_ = func(n int) { _, _ = WithMaxPendingWrite(n), netpoll.WithMaxPendingWrite(n) }
	_ = func(n int) { _, _ = WithNumEventLoop(n), netpoll.WithLoops(n) }
	_ = func(d time.Duration) { _, _ = WithTCPKeepAlive(d), netpoll.WithTCPKeepAlive(d) }
	_ = []any{WithReusePort(), netpoll.WithReusePort()}
)

// TestOptionsIgnoreInvalidValues: sizes and counts that would break the
// server (zero loops, workers or bounds, negative sizes) keep the defaults.
func TestOptionsIgnoreInvalidValues(t *testing.T) {
	o := defaultOptions()
	for _, opt := range []Option{
		WithNumEventLoop(0), WithWorkerPoolSize(-1), WithMaxPendingMessages(0),
		WithMaxPendingWrite(-1), WithMaxMessageSize(0), WithMaxMessageSize(-1),
		WithTLSHandshakeTimeout(-time.Second), WithMaxTLSHandshakes(0), WithLogOutput(nil),
	} {
		opt(&o)
	}
	d := defaultOptions()
	if o.numEventLoop != d.numEventLoop || o.workers != d.workers || o.maxInbox != d.maxInbox ||
		o.maxPendingWrite != d.maxPendingWrite || o.wsMaxMessage != d.wsMaxMessage ||
		o.tlsHandshake != d.tlsHandshake || o.tlsMaxHandshakes != d.tlsMaxHandshakes || o.logOutput != d.logOutput {
		t.Fatalf("invalid values changed the options:\n got %+v\nwant %+v", o, d)
	}
}
