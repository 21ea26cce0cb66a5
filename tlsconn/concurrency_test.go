package tlsconn

import (
	"runtime"
	"testing"
	"time"
)

// TestThousandConcurrentHandshakes starts 1,000 handshakes at once from
// another process: they all complete, at most WithMaxHandshakes run at a
// time, and the server's goroutine count stays within that bound.
func TestThousandConcurrentHandshakes(t *testing.T) {
	skipOnPortable(t, "it counts goroutines to prove handshakes are bounded by a pool, and every connection adds one")
	const clients, maxHS = 1000, 8
	logs := &logSink{}
	ns, ts := startTLS(t, serverConfig(), newEcho(), []Option{
		WithMaxHandshakes(maxHS), WithHandshakeQueue(clients), WithHandshakeTimeout(2 * time.Minute), WithErrorLog(logs.log),
	})
	roundTrip(t, dialTLS(t, ns.Addr().String(), nil), 1, []byte("warm up"))
	runtime.GC()
	base := runtime.NumGoroutine()

	p := startClients(t, "burst", ns.Addr().String(), clients)
	result := make(chan int, 1)
	go func() {
		_, n := p.result(t)
		result <- n
	}()
	peakG, peakHS, peakQ := 0, uint64(0), uint64(0)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var ok int
sampling:
	for {
		select {
		case ok = <-result:
			break sampling
		case <-tick.C:
			peakG = max(peakG, runtime.NumGoroutine())
			st := ts.Stats()
			peakHS, peakQ = max(peakHS, st.Handshaking), max(peakQ, st.Queued)
		}
	}
	t.Logf("peaks: %d goroutines (base %d), %d handshaking, %d queued", peakG, base, peakHS, peakQ)
	if ok != clients {
		t.Fatalf("%d of %d clients served", ok, clients)
	}
	if peakHS > maxHS {
		t.Fatalf("%d handshakes ran at once, bound %d", peakHS, maxHS)
	}
	// The sampler's goroutine and a few runtime timers are the slack.
	if slack := 8; peakG > base+maxHS+slack {
		t.Fatalf("%d goroutines at the peak: base %d + %d handshakes + %d slack exceeded", peakG, base, maxHS, slack)
	}
	waitFor(t, "stats to settle", func() bool { st := ts.Stats(); return st.Handshaking == 0 && st.Completed >= clients })
}
