package tlsconn

import (
	"bytes"
	"crypto/tls"
	"errors"
	"testing"
)

// splitBy cuts b into at most maxPieces pieces whose sizes come from sizes
// (cycled, each 1..256; empty means one piece); the last piece takes the
// rest.
func splitBy(b, sizes []byte, maxPieces int) [][]byte {
	var out [][]byte
	for i := 0; len(b) > 0; i++ {
		n := len(b)
		if len(sizes) > 0 && i < maxPieces-1 {
			n = min(int(sizes[i%len(sizes)])+1, len(b))
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// FuzzHandshakeInput feeds arbitrary bytes, in arbitrary pieces, to a
// session waiting for a ClientHello: no panic, the session either waits for
// more or closes with a handshake error, and its goroutine always exits.
func FuzzHandshakeInput(f *testing.F) {
	f.Add(clientHello(f), []byte{})
	f.Add(clientHello(f), []byte{0, 3, 200})
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"), []byte{1})
	f.Add([]byte{0x16, 3, 1, 0, 10, 1, 0, 0, 6, 3, 3, 0, 0, 0, 0}, []byte{2})
	f.Fuzz(func(t *testing.T, in, sizes []byte) {
		m := newMemSession(t, newRecorder(), nil)
		for _, p := range splitBy(in, sizes, 1<<12) {
			if !m.feed(p) {
				break
			}
		}
		m.end()
		m.logs.mu.Lock()
		defer m.logs.mu.Unlock()
		for _, err := range m.logs.errs {
			if !errors.Is(err, ErrHandshake) && !errors.Is(err, ErrNotTLS) {
				t.Fatalf("unexpected log: %v", err)
			}
		}
	})
}

// FuzzRecords sends plaintext through a real crypto/tls client, then feeds
// the session the ciphertext in arbitrary pieces, with one bit flipped when
// flip is non-zero. The session delivers exactly the plaintext, or, after a
// flip, a prefix of it and then either waits or fails with ErrProtocol.
func FuzzRecords(f *testing.F) {
	f.Add([]byte("hello"), []byte{}, []byte{}, uint16(0), byte(0))
	f.Add(bytes.Repeat([]byte("abc"), 7000), []byte{255, 0, 17}, []byte{3, 250}, uint16(0), byte(0))
	f.Add([]byte("hello, world"), []byte{4}, []byte{0}, uint16(3), byte(0x40))
	f.Add([]byte("x"), []byte{}, []byte{}, uint16(30), byte(1))
	f.Fuzz(func(t *testing.T, plain, writes, feeds []byte, at uint16, flip byte) {
		if len(plain) > 1<<15 {
			return
		}
		rec := newRecorder()
		// A cheaper handshake (no chain verification, no ML-KEM) keeps the
		// fuzzer on the record layer.
		cfg := clientConfig()
		cfg.InsecureSkipVerify = true
		cfg.CurvePreferences = []tls.CurveID{tls.X25519}
		m := newMemSession(t, rec, cfg)
		if err := m.handshake(rec.opened, nil); err != nil {
			t.Fatal(err)
		}
		for _, p := range splitBy(plain, writes, 64) {
			if _, err := m.client.Write(p); err != nil {
				t.Fatal(err)
			}
		}
		ct := m.takeClient()
		if flip != 0 && len(ct) > 0 {
			ct[int(at)%len(ct)] ^= flip
		}
		for _, p := range splitBy(ct, feeds, 1<<12) {
			if !m.feed(p) {
				break
			}
		}
		got := rec.got()
		closed, reason := m.low.isClosed()
		if flip == 0 {
			if closed || !bytes.Equal(got, plain) {
				t.Fatalf("intact stream: closed %v (%v), got %d of %d bytes", closed, reason, len(got), len(plain))
			}
		} else {
			if !bytes.HasPrefix(plain, got) {
				t.Fatalf("corrupt stream delivered bytes that were not sent")
			}
			if closed && !errors.Is(reason, ErrProtocol) {
				t.Fatalf("closed with %v", reason)
			}
		}
		m.end()
	})
}
