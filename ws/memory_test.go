package ws_test

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"runtime"
	"testing"
	"unsafe"

	"github.com/netman-go/netman/ws"
	"github.com/netman-go/netman/ws/internal/wstest"
)

type nopHandler struct{}

func (nopHandler) OnOpen(*ws.ServerConn, ws.Request)             {}
func (nopHandler) OnMessage(*ws.ServerConn, ws.OpCode, []byte)   {}
func (nopHandler) OnClose(*ws.ServerConn, ws.StatusCode, string) {}

// idleHeapPerConn upgrades n codecs, exchanges a message on each and returns the heap bytes
// they keep per connection once idle.
func idleHeapPerConn(tb testing.TB, n int) float64 {
	srv := ws.NewServer(nopHandler{}, ws.WithDeflate(ws.DeflateOptions{}))
	req := []byte(wstest.Request("/", "Sec-WebSocket-Extensions: permessage-deflate"))
	msg := wstest.Frame(1, false, 0, []byte("hello "))
	msg = append(msg, wstest.Frame(0, true, 0, []byte("world"))...)
	conns := make([]*ws.ServerConn, n)
	buf := make([]byte, 0, 512)
	var before, after runtime.MemStats
	// Two collections: the first moves sync.Pool contents left by other tests to the victim
	// cache, the second frees them, so they do not vanish during the measurement.
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range conns {
		c := srv.NewConn(discard)
		buf = append(append(buf[:0], req...), msg...)
		if k, err := c.Feed(buf); err != nil || k != len(buf) {
			tb.Fatalf("Feed: %d, %v", k, err)
		}
		conns[i] = c
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(conns)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

func TestIdleConnectionMemory(t *testing.T) {
	size := unsafe.Sizeof(ws.ServerConn{})
	perConn := idleHeapPerConn(t, 10000)
	for i := 0; i < 3 && perConn < float64(size)/2; i++ { // other tests' garbage freed meanwhile: measure again
		perConn = idleHeapPerConn(t, 10000)
	}
	t.Logf("unsafe.Sizeof(ws.ServerConn{}) = %d bytes; heap per idle upgraded connection (10,000 codecs) = %.0f bytes", size, perConn)
	if size > 56 {
		t.Errorf("ServerConn is %d bytes, want <= 56", size)
	}
	// An idle codec holds no buffer and no frame state: only the struct (64-byte size class)
	// remains; the bound leaves room for the runtime's own noise.
	if perConn > 112 {
		t.Errorf("idle connection keeps %.0f heap bytes, want <= 112", perConn)
	}
}

func BenchmarkIdleConnectionMemory(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.ReportMetric(idleHeapPerConn(b, 10000), "heapB/idle-conn")
	}
}

// BenchmarkDeflateState reports what compress/flate allocates for one compressor and one
// decompressor: the cost a connection would pay if it kept them (context takeover).
func BenchmarkDeflateState(b *testing.B) {
	b.Run("flate.NewWriter/BestSpeed", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			w, _ := flate.NewWriter(io.Discard, flate.BestSpeed)
			_ = w
		}
	})
	b.Run("flate.NewReader", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			r := flate.NewReader(bytes.NewReader(nil))
			_ = r
		}
	})
}

func BenchmarkFeedText(b *testing.B) {
	for _, size := range []int{16, 1024, 64 << 10} {
		b.Run(byteSize(size), func(b *testing.B) {
			c := ws.NewServer(nopHandler{}).NewConn(discard)
			c.Feed([]byte(wstest.Request("/")))
			frame := wstest.Frame(1, true, 0, bytes.Repeat([]byte("a"), size))
			buf := make([]byte, len(frame))
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				copy(buf, frame) // Feed unmasks in place
				c.Feed(buf)
			}
		})
	}
}

func BenchmarkWriteText(b *testing.B) {
	for _, deflate := range []bool{false, true} {
		name := "plain"
		var opts []ws.Option
		hdr := []string{}
		if deflate {
			name = "deflate"
			opts = append(opts, ws.WithDeflate(ws.DeflateOptions{}))
			hdr = append(hdr, "Sec-WebSocket-Extensions: permessage-deflate")
		}
		b.Run(name, func(b *testing.B) {
			c := ws.NewServer(nopHandler{}, opts...).NewConn(discard)
			c.Feed([]byte(wstest.Request("/", hdr...)))
			msg := bytes.Repeat([]byte("hello world "), 100)
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c.WriteText(msg)
			}
		})
	}
}

func byteSize(n int) string { return fmt.Sprintf("%dB", n) }

func TestBigFrameHeaderAllocatesNothing(t *testing.T) {
	// A header announcing a 10 MiB frame must not make the codec allocate 10 MiB up front:
	// the buffer grows only as payload bytes actually arrive.
	f, _, _ := openConn(t, ws.WithMaxMessageSize(16<<20))
	payload := make([]byte, 10<<20)
	frame := wstest.Frame(2, true, 0, payload)
	hl := len(frame) - len(payload)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n, err := f.c.Feed(frame[:hl+100])
	runtime.ReadMemStats(&after)
	if err != nil || n != hl+100 {
		t.Fatalf("Feed: %d, %v", n, err)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 64<<10 {
		t.Fatalf("header and 100 payload bytes allocated %d bytes", grown)
	}
}

// TestInitConnEmbedded: a ServerConn embedded in a glue's struct works like one from NewConn.
func TestInitConnEmbedded(t *testing.T) {
	type glue struct {
		codec ws.ServerConn
		name  string
	}
	srv := ws.NewServer(wstest.Echo{})
	var out syncBuffer
	g := &glue{name: "embedded"}
	srv.InitConn(&g.codec, ws.NopCloser(&out))
	f := &feeder{t: t, c: &g.codec}
	if err := f.feed([]byte(wstest.Request("/"))); err != nil {
		t.Fatal(err)
	}
	_, rest := splitResponse(t, out.Bytes())
	if err := f.feed(wstest.Frame(1, true, 0, []byte("hi"))); err != nil {
		t.Fatal(err)
	}
	_, rest = splitResponse(t, out.Bytes())
	if fs := frames(t, rest); len(fs) != 1 || string(fs[0].Payload) != "hi" {
		t.Fatalf("echo %+v", fs)
	}
}

// browserUpgrade is an upgrade request as a browser sends it (Chrome's header fields).
const browserUpgrade = "GET /chat?room=1 HTTP/1.1\r\n" +
	"Host: example.com:8080\r\n" +
	"Connection: Upgrade\r\n" +
	"Pragma: no-cache\r\n" +
	"Cache-Control: no-cache\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n" +
	"Upgrade: websocket\r\n" +
	"Origin: http://example.com:8080\r\n" +
	"Sec-WebSocket-Version: 13\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Accept-Language: en-US,en;q=0.9\r\n" +
	"Sec-WebSocket-Key: " + wstest.Key + "\r\n" +
	"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"

// upgradeAllocs returns the allocations of one upgrade of a new ServerConn (NewConn included)
// with req.
func upgradeAllocs(t testing.TB, srv *ws.Server, req string) float64 {
	buf := []byte(req)
	return testing.AllocsPerRun(200, func() {
		c := srv.NewConn(discard)
		if n, err := c.Feed(buf); err != nil || n != len(buf) {
			t.Fatalf("Feed: %d, %v", n, err)
		}
	})
}

func BenchmarkUpgrade(b *testing.B) {
	srv := ws.NewServer(nopHandler{})
	buf := []byte(browserUpgrade)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c := srv.NewConn(discard)
		if _, err := c.Feed(buf); err != nil {
			b.Fatal(err)
		}
	}
}
