package tlsconn

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/netman-go/netman/netpoll"
)

func TestCheckFirstRecord(t *testing.T) {
	hello := []byte{0x16, 3, 1, 0, 4, 1, 0, 0, 0}
	tests := []struct {
		name     string
		in       []byte
		complete bool
		err      error
	}{
		{"empty", nil, false, nil},
		{"type only", hello[:1], false, nil},
		{"header", hello[:5], false, nil},
		{"partial body", hello[:7], false, nil},
		{"complete", hello, true, nil},
		{"complete plus more", append(append([]byte(nil), hello...), 0x17), true, nil},
		{"http request", []byte("GET / HTTP/1.1\r\n"), false, ErrNotTLS},
		{"alert first", []byte{0x15, 3, 1, 0, 2}, false, ErrNotTLS},
		{"sslv2 hello", []byte{0x80, 0x2e, 1, 0, 2}, false, ErrNotTLS},
		{"bad major version", []byte{0x16, 2}, false, ErrNotTLS},
		{"empty record", []byte{0x16, 3, 1, 0, 0}, false, ErrNotTLS},
		{"oversized record", []byte{0x16, 3, 1, 0x48, 1}, false, ErrNotTLS},
		{"largest record", []byte{0x16, 3, 3, 0x48, 0}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			complete, err := checkFirstRecord(tt.in)
			if complete != tt.complete || !errors.Is(err, tt.err) {
				t.Fatalf("got %v, %v; want %v, %v", complete, err, tt.complete, tt.err)
			}
		})
	}
}

// versions are the client configurations the in-memory tests run with.
var versions = []struct {
	name string
	cfg  func() *tls.Config
}{
	{"TLS1.2-AES-GCM", func() *tls.Config {
		c := clientConfig()
		c.MaxVersion = tls.VersionTLS12
		c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
		return c
	}},
	{"TLS1.2-CHACHA20", func() *tls.Config {
		c := clientConfig()
		c.MaxVersion = tls.VersionTLS12
		c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
		return c
	}},
	{"TLS1.2-CBC", func() *tls.Config {
		c := clientConfig()
		c.MaxVersion = tls.VersionTLS12
		c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}
		return c
	}},
	{"TLS1.3", func() *tls.Config {
		c := clientConfig()
		c.MinVersion = tls.VersionTLS13
		return c
	}},
}

// TestWouldBlockIsRetryable feeds a whole session one byte at a time: the
// handshake and every record survive crypto/tls seeing errWouldBlock
// between any two bytes. The design depends on this behaviour of
// crypto/tls (readRecordOrCCS keeps partial records on a temporary error).
func TestWouldBlockIsRetryable(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			rec := newRecorder()
			m := newMemSession(t, rec, v.cfg(), WithErrorLog(func(err error) { t.Log(err) }))
			if err := m.handshake(rec.opened, []int{1}); err != nil {
				t.Fatal(err)
			}
			var want []byte
			for i, n := range []int{1, 5, 1000, 20000} {
				msg := bytes.Repeat([]byte{byte('a' + i)}, n)
				want = append(want, msg...)
				if _, err := m.client.Write(msg); err != nil {
					t.Fatal(err)
				}
			}
			for _, b := range m.takeClient() {
				if !m.feed([]byte{b}) {
					t.Fatal("session closed")
				}
			}
			if got := rec.got(); !bytes.Equal(got, want) {
				t.Fatalf("got %d bytes, want %d", len(got), len(want))
			}
		})
	}
}

// TestSealedSizeIsAnUpperBound checks the bound Write uses to refuse writes
// before sealing them, for every record protection.
func TestSealedSizeIsAnUpperBound(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			rec := newRecorder()
			m := newMemSession(t, rec, v.cfg())
			if err := m.handshake(rec.opened, nil); err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{1, 2, 100, 1023, 1024, 1200, 5000, 16384, 16385, 100000, 1 << 20} {
				m.peer.mu.Lock()
				before := len(m.peer.in)
				m.peer.mu.Unlock()
				if _, err := m.c.Write(make([]byte, n)); err != nil {
					t.Fatal(err)
				}
				m.peer.mu.Lock()
				sealed := len(m.peer.in) - before
				m.peer.mu.Unlock()
				if sealed > sealedSize(n) {
					t.Fatalf("%d bytes sealed into %d, bound %d", n, sealed, sealedSize(n))
				}
			}
		})
	}
}

// TestLeftoverPlaintext checks that what OnData does not consume is
// presented again, before the next bytes.
func TestLeftoverPlaintext(t *testing.T) {
	rec := newRecorder()
	var seen []byte
	rec.consume = func(data []byte) int {
		if !bytes.HasPrefix(data, seen) {
			t.Errorf("leftover not presented first")
		}
		seen = nil
		n := len(data) - len(data)%7
		seen = append(seen, data[n:]...)
		return n
	}
	m := newMemSession(t, rec, nil)
	if err := m.handshake(rec.opened, nil); err != nil {
		t.Fatal(err)
	}
	var want []byte
	for i := 0; i < 50; i++ {
		msg := bytes.Repeat([]byte{byte(i)}, 3*i+1)
		want = append(want, msg...)
		m.client.Write(msg)
		m.feed(m.takeClient())
	}
	got := rec.got()
	if !bytes.Equal(got, want[:len(got)]) || len(want)-len(got) >= 7 {
		t.Fatalf("consumed %d of %d bytes, or wrong bytes", len(got), len(want))
	}
}

func TestPauseHoldsBackPlaintext(t *testing.T) {
	rec := newRecorder()
	calls := 0
	rec.onData = func(c *Conn) {
		calls++
		c.PauseReading()
	}
	m := newMemSession(t, rec, nil)
	if err := m.handshake(rec.opened, nil); err != nil {
		t.Fatal(err)
	}
	m.client.Write([]byte("first"))
	m.feed(m.takeClient())
	if calls != 1 || !m.low.paused {
		t.Fatalf("after the first record: %d calls, paused %v", calls, m.low.paused)
	}
	// Bytes that were in flight when reading paused are decrypted but held.
	m.client.Write([]byte("second"))
	m.client.Write([]byte("third"))
	m.feed(m.takeClient())
	if calls != 1 {
		t.Fatalf("OnData called while paused")
	}
	rec.onData = nil
	m.c.ResumeReading()
	m.low.runTasks() // the held-back plaintext is delivered on the loop
	if m.low.paused {
		t.Fatal("still paused below")
	}
	if got := string(rec.got()); got != "firstsecondthird" {
		t.Fatalf("got %q", got)
	}
}

func TestInputTooLarge(t *testing.T) {
	rec := newRecorder()
	rec.consume = func([]byte) int { return 0 }
	m := newMemSession(t, rec, nil, WithMaxInputBuffer(1000))
	if err := m.handshake(rec.opened, nil); err != nil {
		t.Fatal(err)
	}
	m.client.Write(make([]byte, 999))
	m.feed(m.takeClient())
	if closed, _ := m.low.isClosed(); closed {
		t.Fatal("closed below the bound")
	}
	m.client.Write(make([]byte, 2))
	m.feed(m.takeClient())
	if _, reason := m.low.isClosed(); !errors.Is(reason, netpoll.ErrInputTooLarge) {
		t.Fatalf("close reason %v", reason)
	}
	m.end()
	if rec.closes != 1 || !errors.Is(rec.reason, netpoll.ErrInputTooLarge) {
		t.Fatalf("OnClose %d times, reason %v", rec.closes, rec.reason)
	}
}

// TestWriteRefusedBeforeSealing checks that a write past the pending bound
// is refused without touching the stream.
func TestWriteRefusedBeforeSealing(t *testing.T) {
	rec := newRecorder()
	m := newMemSession(t, rec, nil)
	if err := m.handshake(rec.opened, nil); err != nil {
		t.Fatal(err)
	}
	m.low.mu.Lock()
	m.low.bound = 10000  // the bound comes from the connection below
	m.low.maxPend = 5000 // the kernel took nothing of earlier writes
	m.low.mu.Unlock()
	if _, err := m.c.Write(make([]byte, 4000)); err != nil {
		t.Fatalf("write within the bound: %v", err)
	}
	if _, err := m.c.Write(make([]byte, 6000)); !errors.Is(err, netpoll.ErrWriteQueueFull) {
		t.Fatalf("write past the bound: %v", err)
	}
	m.low.mu.Lock()
	m.low.maxPend = 0 // an empty queue takes any size
	m.low.mu.Unlock()
	if _, err := m.c.Writev([]byte("big:"), make([]byte, 50000)); err != nil {
		t.Fatal(err)
	}
	// The client reads both accepted writes: the refused one left no gap.
	buf := make([]byte, 4000+50004)
	if _, err := io.ReadFull(m.client, buf); err != nil {
		t.Fatal(err)
	}
	if string(buf[4000:4004]) != "big:" {
		t.Fatal("stream out of order")
	}
}

func TestCorruptRecordClosesWithAlert(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			rec := newRecorder()
			m := newMemSession(t, rec, v.cfg())
			if err := m.handshake(rec.opened, nil); err != nil {
				t.Fatal(err)
			}
			m.client.Write([]byte("hello"))
			b := m.takeClient()
			b[len(b)-1] ^= 1
			m.feed(b)
			_, reason := m.low.isClosed()
			if !errors.Is(reason, ErrProtocol) {
				t.Fatalf("close reason %v", reason)
			}
			if len(rec.got()) != 0 {
				t.Fatal("corrupt record delivered")
			}
			m.peer.close()
			_, err := io.ReadAll(m.client)
			if err == nil || !strings.Contains(err.Error(), "bad record MAC") {
				t.Fatalf("client read %v, want the bad_record_mac alert", err)
			}
		})
	}
}

func TestCloseNotify(t *testing.T) {
	t.Run("from peer", func(t *testing.T) {
		rec := newRecorder()
		m := newMemSession(t, rec, nil)
		if err := m.handshake(rec.opened, nil); err != nil {
			t.Fatal(err)
		}
		m.client.Write([]byte("bye"))
		m.client.CloseWrite()
		m.feed(m.takeClient())
		if _, reason := m.low.isClosed(); reason != io.EOF {
			t.Fatalf("close reason %v, want io.EOF", reason)
		}
		if string(rec.got()) != "bye" {
			t.Fatalf("got %q", rec.got())
		}
		// The session answered with its own close_notify.
		m.peer.close()
		if b, err := io.ReadAll(m.client); err != nil || len(b) != 0 {
			t.Fatalf("client read %q, %v", b, err)
		}
	})
	t.Run("from server", func(t *testing.T) {
		rec := newRecorder()
		m := newMemSession(t, rec, nil)
		if err := m.handshake(rec.opened, nil); err != nil {
			t.Fatal(err)
		}
		m.c.Write([]byte("last words"))
		if err := m.c.Close(); err != nil {
			t.Fatal(err)
		}
		if err := m.c.Close(); !errors.Is(err, netpoll.ErrClosed) {
			t.Fatalf("second Close: %v", err)
		}
		if _, err := m.c.Write([]byte("x")); !errors.Is(err, netpoll.ErrClosed) {
			t.Fatalf("Write after Close: %v", err)
		}
		m.peer.close()
		b, err := io.ReadAll(m.client)
		if err != nil || string(b) != "last words" {
			t.Fatalf("client read %q, %v", b, err)
		}
	})
}

// TestRecordCursor checks that span never hands over bytes of two records
// at once, whatever the split, and always makes progress.
func TestRecordCursor(t *testing.T) {
	var stream []byte
	var ends []int // offsets where records end
	for _, n := range []int{0, 1, 300, 16401, 2, 70} {
		stream = append(stream, 0x17, 3, 3, byte(n>>8), byte(n))
		stream = append(stream, make([]byte, n)...)
		ends = append(ends, len(stream))
	}
	isEnd := map[int]bool{}
	for _, e := range ends {
		isEnd[e] = true
	}
	for _, chunk := range []int{1, 2, 4, 5, 6, 7, 512, 4096, 1 << 20} {
		var r recordCursor
		off := 0
		for off < len(stream) {
			b := stream[off:min(off+chunk, len(stream))]
			n := r.span(b)
			if n < 1 || n > len(b) {
				t.Fatalf("chunk %d at %d: span %d of %d", chunk, off, n, len(b))
			}
			for k := off + 1; k < off+n; k++ {
				if isEnd[k] {
					t.Fatalf("chunk %d: span [%d,%d) crosses the record end at %d", chunk, off, off+n, k)
				}
			}
			if n < len(b) && !isEnd[off+n] {
				t.Fatalf("chunk %d: span stopped at %d, not a record end", chunk, off+n)
			}
			off += n
		}
	}
}

// TestWritesReachTheConnection checks how the records of one Write reach the
// connection: a small write's records are handed over as they are sealed (one
// write for one record, no copy), a large write's records are collected and
// handed over in one write (one syscall, not one per record), and the
// client reads both intact, whatever crypto/tls's record sizes.
func TestWritesReachTheConnection(t *testing.T) {
	rec := newRecorder()
	m := newMemSession(t, rec, nil)
	if err := m.handshake(rec.opened, nil); err != nil {
		t.Fatal(err)
	}
	writes := func() int {
		m.low.mu.Lock()
		defer m.low.mu.Unlock()
		return m.low.writes
	}
	small := bytes.Repeat([]byte("s"), directMax)
	large := bytes.Repeat([]byte("L"), 300<<10)
	for i, tc := range []struct {
		data      []byte
		maxWrites int
	}{
		// Early in a connection crypto/tls seals small records (about
		// 1 KiB), so a 16 KiB write is several records, several writes.
		{small, directMax/1000 + 1},
		{[]byte("one record"), 1},
		{large, 1},
		{large, 1},
		// After 128 KiB crypto/tls seals full 16 KiB records.
		{small, 1},
	} {
		before := writes()
		if _, err := m.c.Write(tc.data); err != nil {
			t.Fatal(err)
		}
		if n := writes() - before; n < 1 || n > tc.maxWrites {
			t.Errorf("write %d (%d bytes): %d writes to the connection, want 1 to %d", i, len(tc.data), n, tc.maxWrites)
		}
		got := make([]byte, len(tc.data))
		if _, err := io.ReadFull(m.client, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, tc.data) {
			t.Fatalf("write %d arrived corrupted", i)
		}
	}
}

// TestCorkSealsABatchAsOneRecord: the replies written while corked are
// sealed together at Uncork (one record, one write below), in order, and a
// write too large to gather seals what was gathered first.
func TestCorkSealsABatchAsOneRecord(t *testing.T) {
	rec := newRecorder()
	m := newMemSession(t, rec, nil)
	if err := m.handshake(rec.opened, nil); err != nil {
		t.Fatal(err)
	}
	m.low.mu.Lock()
	before := m.low.writes
	m.low.mu.Unlock()
	m.c.Cork()
	for _, s := range []string{"one;", "two;", "three;", "four;"} {
		if _, err := m.c.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	m.low.mu.Lock()
	during := m.low.writes - before
	m.low.mu.Unlock()
	if during != 0 {
		t.Fatalf("%d writes below while corked", during)
	}
	big := bytes.Repeat([]byte{'B'}, 20<<10) // over the gather size: seals "one;...four;" first
	if _, err := m.c.Write(big); err != nil {
		t.Fatal(err)
	}
	m.c.Writev([]byte("fi"), []byte("ve;"))
	m.c.Uncork()
	want := append(append([]byte("one;two;three;four;"), big...), "five;"...)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(m.client, got); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("client read %q..., %v", got[:min(len(got), 32)], err)
	}
	m.low.mu.Lock()
	writes := m.low.writes - before
	m.low.mu.Unlock()
	// The gathered four, the big write, and the gathered fifth: three
	// hand-offs (records of the big one may take a few writes of their own).
	if writes > 4 {
		t.Fatalf("%d writes below for three runs of records", writes)
	}
}
