package tlsconn

import (
	"errors"
	"runtime"
	"testing"

	"github.com/netman-go/netman/framing"
	"github.com/netman-go/netman/netpoll"
)

// TestClientThatNeverReads pushes messages to a client that reads nothing:
// Write is refused once the pending ciphertext reaches the bound, the
// server's memory for that connection stays at the bound, and another
// connection is served meanwhile.
func TestClientThatNeverReads(t *testing.T) {
	const bound = 1 << 20
	const msgLen = 64 << 10
	type result struct {
		accepted   int
		pending    int
		refusedErr error
	}
	results := make(chan result, 1)
	// The client named "echo.localhost" gets echoes; any other is flooded.
	echo := newEcho()
	h := HandlerFuncs{
		Open: func(c *Conn) {
			if c.ConnectionState().ServerName == "echo.localhost" {
				echo.OnOpen(c)
				return
			}
			go func() {
				msg := make([]byte, msgLen)
				var r result
				for i := 0; i < 10000; i++ {
					if _, r.refusedErr = c.Write(msg); r.refusedErr != nil {
						break
					}
					r.accepted++
				}
				r.pending = c.Pending()
				results <- r
			}()
		},
		Data: func(c *Conn, data []byte) (int, error) {
			if _, ok := c.Context().(*framing.Decoder); ok {
				return echo.OnData(c, data)
			}
			return len(data), nil
		},
	}
	ns, _ := startTLS(t, serverConfig(), h, nil,
		netpoll.WithMaxPendingWrite(bound), netpoll.WithSocketBuffers(64<<10, 64<<10))

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	slow := dialTLS(t, ns.Addr().String(), nil)
	_ = slow // never read
	r := <-results
	if !errors.Is(r.refusedErr, netpoll.ErrWriteQueueFull) {
		t.Fatalf("writes ended with %v after %d accepted", r.refusedErr, r.accepted)
	}
	if r.pending > bound+sealedSize(msgLen) || r.pending+sealedSize(msgLen) <= bound {
		t.Fatalf("refused with %d bytes pending (bound %d)", r.pending, bound)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > 16*bound {
		t.Fatalf("heap grew by %d bytes for one slow reader (bound %d)", grown, bound)
	}
	t.Logf("%d messages of %d bytes accepted before refusal; %d bytes pending", r.accepted, msgLen, r.pending)

	cfg := clientConfig()
	cfg.ServerName = "echo.localhost"
	cfg.InsecureSkipVerify = true
	other := dialTLS(t, ns.Addr().String(), cfg)
	roundTrip(t, other, 1, []byte("served while another connection is stuck"))
}
