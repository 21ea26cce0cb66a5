package tlsconn

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/netman-go/netman/framing"
)

// clientHello returns a real ClientHello record, as crypto/tls sends it.
func clientHello(t testing.TB) []byte {
	t.Helper()
	p := newMemPeer()
	c := tls.Client(clientConn{p}, clientConfig())
	done := make(chan struct{})
	go func() { c.Handshake(); close(done) }()
	<-p.ready
	b := p.take()
	p.close()
	<-done
	return b
}

// dialRaw opens a plain TCP connection with a read deadline.
func dialRaw(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return c
}

// expectClosed reads until the server closes c, failing on the deadline.
func expectClosed(t testing.TB, c net.Conn) []byte {
	t.Helper()
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("server did not close the connection")
	}
	return b
}

func TestHandshakeTimeout(t *testing.T) {
	logs := &logSink{}
	h := newEcho()
	ns, ts := startTLS(t, serverConfig(), h, []Option{WithHandshakeTimeout(300 * time.Millisecond), WithErrorLog(logs.log)})
	addr := ns.Addr().String()
	hello := clientHello(t)

	silent := dialRaw(t, addr)
	partial := dialRaw(t, addr)
	partial.Write(hello[:10])
	stalled := dialRaw(t, addr) // full ClientHello, then never the second flight
	stalled.Write(hello)

	// A normal client is served meanwhile.
	good := dialTLS(t, addr, nil)
	roundTrip(t, good, 1, []byte("still served"))

	for _, c := range []net.Conn{silent, partial, stalled} {
		expectClosed(t, c)
	}
	waitFor(t, "three timeouts logged", func() bool { return logs.count(ErrHandshakeTimeout) == 3 })
	waitFor(t, "handshake goroutines to exit", func() bool { return ts.Stats().Handshaking == 0 })
	if st := ts.Stats(); st.TimedOut != 3 || st.Failed != 3 || st.Completed != 1 {
		t.Fatalf("stats %+v", st)
	}
	roundTrip(t, good, 2, []byte("after the timeouts"))
}

func TestGarbageInsteadOfClientHello(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"http request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ErrNotTLS},
		{"zeros", make([]byte, 100), ErrNotTLS},
		{"oversized first record", append([]byte{0x16, 3, 1, 0xff, 0xff}, make([]byte, 100)...), ErrNotTLS},
		{"handshake record of junk", append([]byte{0x16, 3, 1, 0, 40}, bytes.Repeat([]byte{0xab}, 40)...), ErrHandshake},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logSink{}
			// The timeout is long: the close must come from the check.
			ns, ts := startTLS(t, serverConfig(), newEcho(), []Option{WithHandshakeTimeout(time.Minute), WithErrorLog(logs.log)})
			c := dialRaw(t, ns.Addr().String())
			c.Write(tt.in)
			expectClosed(t, c)
			waitFor(t, "the failure logged", func() bool { return logs.count(tt.want) == 1 })
			waitFor(t, "handshake goroutines to exit", func() bool { return ts.Stats().Handshaking == 0 })
			good := dialTLS(t, ns.Addr().String(), nil)
			roundTrip(t, good, 1, []byte("fine"))
		})
	}
}

func TestClientClosesMidHandshake(t *testing.T) {
	logs := &logSink{}
	ns, ts := startTLS(t, serverConfig(), newEcho(), []Option{WithHandshakeTimeout(time.Minute), WithErrorLog(logs.log)})
	addr := ns.Addr().String()
	hello := clientHello(t)

	partial := dialRaw(t, addr) // closes while the ClientHello is incomplete
	partial.Write(hello[:20])
	running := dialRaw(t, addr) // closes while its handshake goroutine waits
	running.Write(hello)
	waitFor(t, "the handshake to start", func() bool { return ts.Stats().Handshaking == 1 })
	partial.Close()
	running.Close()

	waitFor(t, "both failures logged", func() bool { return logs.count(ErrHandshake) == 2 })
	waitFor(t, "handshake goroutines to exit", func() bool { return ts.Stats().Handshaking == 0 })
	if st := ts.Stats(); st.Failed != 2 || st.TimedOut != 0 {
		t.Fatalf("stats %+v", st)
	}
	roundTrip(t, dialTLS(t, addr, nil), 1, []byte("fine"))
}

func TestHandshakeQueueFull(t *testing.T) {
	logs := &logSink{}
	ns, ts := startTLS(t, serverConfig(), newEcho(), []Option{
		WithMaxHandshakes(1), WithHandshakeQueue(0), WithHandshakeTimeout(time.Minute), WithErrorLog(logs.log),
	})
	addr := ns.Addr().String()
	hello := clientHello(t)

	holder := dialRaw(t, addr) // takes the only handshake slot and stalls
	holder.Write(hello)
	waitFor(t, "the slot taken", func() bool { return ts.Stats().Handshaking == 1 })
	refused := dialRaw(t, addr)
	refused.Write(hello)
	expectClosed(t, refused)
	waitFor(t, "the refusal logged", func() bool { return logs.count(ErrTooManyHandshakes) == 1 })
	if st := ts.Stats(); st.Refused != 1 {
		t.Fatalf("stats %+v", st)
	}
	holder.Close()
	waitFor(t, "the slot released", func() bool { return ts.Stats().Handshaking == 0 })
	roundTrip(t, dialTLS(t, addr, nil), 1, []byte("fine"))
}

// TestHandshakeQueueWaits checks that handshakes beyond the bound wait in
// the queue, without a goroutine, and complete in turn.
func TestHandshakeQueueWaits(t *testing.T) {
	ns, ts := startTLS(t, serverConfig(), newEcho(), []Option{WithMaxHandshakes(1), WithHandshakeQueue(10), WithErrorLog((&logSink{}).log)})
	addr := ns.Addr().String()
	hello := clientHello(t)
	holder := dialRaw(t, addr)
	holder.Write(hello)
	waitFor(t, "the slot taken", func() bool { return ts.Stats().Handshaking == 1 })

	done := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() { done <- echoOnce(addr) }()
	}
	waitFor(t, "three queued", func() bool { return ts.Stats().Queued == 3 })
	holder.Close() // the worker moves on to the queue
	for i := 0; i < 3; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the worker to exit", func() bool { return ts.Stats().Handshaking == 0 })
	if st := ts.Stats(); st.Completed != 3 || st.Queued != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// A connection that leaves while queued gives its place back: the queue
// holds only connections still waiting, so a live one is not refused.
func TestHandshakeQueueDropsLeavers(t *testing.T) {
	logs := &logSink{}
	ns, ts := startTLS(t, serverConfig(), newEcho(), []Option{
		WithMaxHandshakes(1), WithHandshakeQueue(1), WithHandshakeTimeout(time.Minute), WithErrorLog(logs.log),
	})
	addr := ns.Addr().String()
	hello := clientHello(t)
	holder := dialRaw(t, addr)
	holder.Write(hello)
	waitFor(t, "the slot taken", func() bool { return ts.Stats().Handshaking == 1 })

	leaver := dialRaw(t, addr)
	leaver.Write(hello)
	waitFor(t, "one queued", func() bool { return ts.Stats().Queued == 1 })
	leaver.Close()
	waitFor(t, "the leaver out of the queue", func() bool { return ts.Stats().Queued == 0 })

	done := make(chan error, 1)
	go func() { done <- echoOnce(addr) }()
	waitFor(t, "the next one queued", func() bool { return ts.Stats().Queued == 1 })
	holder.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := ts.Stats(); st.Refused != 0 || st.Queued != 0 || st.Completed != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// echoOnce connects with crypto/tls (its handshake may wait in the queue),
// sends one message and reads the echo.
func echoOnce(addr string) error {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, clientConfig())
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if err := framing.WriteMessage(c, framing.Default, 7, []byte("queued")); err != nil {
		return err
	}
	_, _, err = framing.ReadMessage(c, framing.Default, 0)
	return err
}
