package server

import (
	"bytes"
	"crypto/tls"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/netman-go/netman/framing"
	"github.com/netman-go/netman/netman/iface"
)

// closeLog records the connections OnConnClose reported.
type closeLog struct {
	mu  sync.Mutex
	ids map[int]int
}

func (l *closeLog) add(c iface.IConnect) {
	l.mu.Lock()
	l.ids[c.GetID()]++
	l.mu.Unlock()
}

// total returns how many closes were reported, and whether no connection
// was reported twice.
func (l *closeLog) total() (n int, once bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	once = true
	for _, k := range l.ids {
		n += k
		once = once && k == 1
	}
	return n, once
}

// TestSendManyTCP sends a small and a large message (the large one queued
// as one shared buffer) to several clients: each receives every byte
// intact, a closed connection is skipped, and OnConnClose reports it once.
func TestSendManyTCP(t *testing.T) {
	s, _ := newTest(t)
	closes := &closeLog{ids: map[int]int{}}
	s.OnConnClose(closes.add)
	addr := start(t, s)
	const n = 4
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = connect(t, addr)
	}
	waitFor(t, "connections", func() bool { return s.GetConnectMgr().Len() == n })
	conns := s.GetConnectMgr().GetConnects()

	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<14) // 256 KiB: exceeds the socket buffer, so it queues
	small := []byte("hello")
	for _, m := range [][]byte{small, big} {
		sent, err := s.SendMany(conns, 7, m)
		if err != nil || sent != n {
			t.Fatalf("SendMany: sent %d, %v; want %d", sent, err, n)
		}
	}
	for i, c := range clients {
		for _, want := range [][]byte{small, big} {
			id, got := c.recv()
			if id != 7 || !bytes.Equal(got, want) {
				t.Fatalf("client %d: got id %d, %d bytes; want id 7, %d bytes intact", i, id, len(got), len(want))
			}
		}
	}

	// A closed connection is skipped, and reported once.
	clients[0].Close()
	waitFor(t, "close", func() bool { n, _ := closes.total(); return n == 1 })
	sent, err := s.SendMany(conns, 8, small)
	if err != nil || sent != n-1 {
		t.Fatalf("SendMany after a close: sent %d, %v; want %d", sent, err, n-1)
	}
	if n, once := closes.total(); n != 1 || !once {
		t.Fatalf("OnConnClose reported %d closes (once each: %v), want 1", n, once)
	}
	if s.SendRefused() != 0 {
		t.Fatalf("SendRefused = %d, want 0 (closed connections are not refusals)", s.SendRefused())
	}
	for _, c := range clients[1:] {
		if id, got := c.recv(); id != 8 || !bytes.Equal(got, small) {
			t.Fatalf("got id %d %q", id, got)
		}
	}
}

// TestSendManyRefusedCounted fills the write queue of a client that never
// reads: SendMany refuses, counts and logs, and the reading client still
// gets every message.
func TestSendManyRefusedCounted(t *testing.T) {
	skipOnPortable(t, "its lockstep (the reader has each message, so the next fits) assumes a write leaves on the writing goroutine; the portable writer goroutine counts a message as sent just after the peer can read it, so it may still count against the bound for a moment")
	s, logs := newTest(t, WithMaxPendingWrite(64<<10))
	addr := start(t, s)
	connect(t, addr) // never reads
	reader := connect(t, addr)
	waitFor(t, "connections", func() bool { return s.GetConnectMgr().Len() == 2 })
	conns := s.GetConnectMgr().GetConnects()
	msg := bytes.Repeat([]byte{'x'}, 32<<10)
	for i := 0; i < 200; i++ {
		sent, err := s.SendMany(conns, 1, msg)
		if err != nil || sent == 0 {
			t.Fatalf("message %d: sent %d, %v", i, sent, err)
		}
		// The reader takes each message before the next is sent, so
		// only the stuck client's queue fills.
		if id, p := reader.recv(); id != 1 || len(p) != len(msg) {
			t.Fatalf("reader: message %d: id %d, %d bytes", i, id, len(p))
		}
	}
	if s.SendRefused() == 0 {
		t.Fatal("SendRefused = 0 for a client that never reads")
	}
	if countLog(logs, "write refused") == 0 {
		t.Fatal("no 'write refused' log line")
	}
}

// TestSendManyWebsocket sends binary and text messages to gorilla clients,
// one of them with permessage-deflate (it gets its own compressed frame).
func TestSendManyWebsocket(t *testing.T) {
	rec := newRecorder()
	s, addr, _ := startWS(t, rec, WithCompression())
	plain, _ := dialGorilla(t, addr, "/", false)
	deflated, _ := dialGorilla(t, addr, "/", true)
	waitFor(t, "connections", func() bool { return s.GetConnectMgr().Len() == 2 })
	conns := s.GetConnectMgr().GetConnects()
	big := string(bytes.Repeat([]byte("compressible "), 1000))
	if sent, err := s.SendMany(conns, 0, []byte(big)); err != nil || sent != 2 {
		t.Fatalf("SendMany: %d, %v", sent, err)
	}
	if sent, err := s.TextMany(conns, []byte("héllo")); err != nil || sent != 2 {
		t.Fatalf("TextMany: %d, %v", sent, err)
	}
	for _, c := range []*websocket.Conn{plain, deflated} {
		readMsg(t, c, websocket.BinaryMessage, big)
		readMsg(t, c, websocket.TextMessage, "héllo")
	}
	tcp, _ := newTest(t)
	if _, err := tcp.TextMany(nil, nil); err != ErrNotWebsocket {
		t.Fatalf("TextMany on TCP: %v, want ErrNotWebsocket", err)
	}
}

// TestSendManyTLS: over TLS each connection encrypts the shared message
// for itself; every crypto/tls client decrypts it intact.
func TestSendManyTLS(t *testing.T) {
	pair, _, _ := selfSigned(t, "netman")
	s, _ := newTest(t, WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pair}}))
	addr := start(t, s)
	clients := []*tls.Conn{
		tlsConnect(t, addr, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12}),
		tlsConnect(t, addr, &tls.Config{InsecureSkipVerify: true}),
	}
	for _, c := range clients {
		if err := c.Handshake(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "connections", func() bool { return s.GetConnectMgr().Len() == len(clients) })
	big := bytes.Repeat([]byte("tls fan-out "), 50000)
	if sent, err := s.SendMany(s.GetConnectMgr().GetConnects(), 9, big); err != nil || sent != len(clients) {
		t.Fatalf("SendMany: %d, %v", sent, err)
	}
	for i, c := range clients {
		id, got, err := framing.ReadMessage(c, framing.Default, 0)
		if err != nil || id != 9 || !bytes.Equal(got, big) {
			t.Fatalf("client %d: id %d, %d bytes, %v", i, id, len(got), err)
		}
	}
}
