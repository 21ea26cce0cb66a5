package tlsconn

import (
	"bytes"
	"fmt"
	"testing"
)

var benchSizes = []int{64, 1 << 10, 16 << 10, 256 << 10}

// BenchmarkWrite measures Conn.Write: sealing and the hand-off of the
// records to the connection (which discards them here).
func BenchmarkWrite(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			rec := newRecorder()
			m := newMemSession(b, rec, nil)
			if err := m.handshake(rec.opened, nil); err != nil {
				b.Fatal(err)
			}
			m.low.mu.Lock()
			m.low.discard = true
			m.low.mu.Unlock()
			msg := make([]byte, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.c.Write(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFeed measures the read path: a crypto/tls client seals n bytes,
// the session decrypts them and delivers the plaintext. The client's
// sealing and one copy in the test harness are included.
func BenchmarkFeed(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			rec := newRecorder()
			delivered := 0
			m := newMemSession(b, HandlerFuncs{Data: func(c *Conn, data []byte) (int, error) {
				delivered += len(data)
				return len(data), nil
			}, Open: func(*Conn) { close(rec.opened) }}, nil)
			if err := m.handshake(rec.opened, nil); err != nil {
				b.Fatal(err)
			}
			msg := bytes.Repeat([]byte{1}, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.client.Write(msg)
				m.feed(m.takeClient())
			}
			b.StopTimer()
			if delivered != n*b.N {
				b.Fatalf("delivered %d of %d bytes", delivered, n*b.N)
			}
		})
	}
}

// BenchmarkEchoLoopback measures a framed round trip through a netpoll
// server over loopback TCP (latency-bound: one message in flight).
func BenchmarkEchoLoopback(b *testing.B) {
	for _, n := range []int{64, 16 << 10} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ns, _ := startTLS(b, serverConfig(), newEcho(), nil)
			c := dialTLS(b, ns.Addr().String(), nil)
			msg := make([]byte, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				roundTrip(b, c, 1, msg)
			}
		})
	}
}
