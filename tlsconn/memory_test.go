package tlsconn

import (
	"bufio"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestIdleMemory measures the server's memory per idle TLS connection: the
// clients run in another process, each does a handshake and one echo, then
// idles, holding no goroutine. TLSCONN_IDLE_CONNS sets how many (default 1,000);
// TLSCONN_MEMPROFILE names a heap profile to write while they idle (every
// allocation sampled).
func TestIdleMemory(t *testing.T) {
	skipOnPortable(t, "it waits for the goroutine count to fall back with the idle connections still open, and bounds the reactor's bytes per connection")
	n := 1000
	if s := os.Getenv("TLSCONN_IDLE_CONNS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	if testing.Short() {
		n = 200
	}
	if os.Getenv("TLSCONN_MEMPROFILE") != "" {
		runtime.MemProfileRate = 1 // every allocation, for an exact profile of what the connections keep
	}
	ns, ts := startTLS(t, serverConfig(), newEcho(), []Option{WithHandshakeTimeout(2 * time.Minute)})
	roundTrip(t, dialTLS(t, ns.Addr().String(), nil), 1, []byte("warm up"))

	heap0, rss0 := memNow()
	g0 := runtime.NumGoroutine()
	p := startClients(t, "hold", ns.Addr().String(), n)
	word, ok := p.result(t)
	if word != "ready" || ok != n {
		t.Fatalf("client process: %s %d of %d", word, ok, n)
	}
	waitFor(t, "every handshake", func() bool { return ts.Stats().Completed >= uint64(n+1) })
	// Handshake goroutines end with their handshake: established
	// connections hold none (a few may still be on their way out).
	waitFor(t, "the handshake goroutines to exit", func() bool { return runtime.NumGoroutine() <= g0+8 })
	heap1, rss1 := memNow()
	if path := os.Getenv("TLSCONN_MEMPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		pprof.Lookup("heap").WriteTo(f, 0)
		f.Close()
	}
	perHeap := (int64(heap1) - int64(heap0)) / int64(n)
	perRSS := (rss1 - rss0) / int64(n)
	t.Logf("%d idle TLS connections: %d heap bytes each, %d RSS bytes each", n, perHeap, perRSS)
	// About 7.0 KB is what crypto/tls's state costs (see the package doc);
	// the bound leaves room for Go and crypto/tls versions, not for a
	// buffer of our own kept per idle connection.
	if perHeap > 10<<10 {
		t.Fatalf("%d heap bytes per idle TLS connection, want about 7 KB (see doc.go)", perHeap)
	}
}

// memNow returns live heap bytes after a collection, and the process RSS.
func memNow() (uint64, int64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, rss()
}

// rss reads VmRSS from /proc (0 where there is none).
func rss() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
