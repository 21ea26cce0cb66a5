package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/netman-go/netman/framing"
	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/ws/conformance"
)

// slowConn reads at most 4 KiB at a time and no faster than rate bytes per
// second: a phone on a weak link.
type slowConn struct {
	net.Conn
	rate  float64
	start time.Time
	read  int64
}

func (c *slowConn) Read(p []byte) (int, error) {
	if len(p) > 4<<10 {
		p = p[:4<<10]
	}
	if c.start.IsZero() {
		c.start = time.Now()
	}
	if d := time.Until(c.start.Add(time.Duration(float64(c.read) / c.rate * float64(time.Second)))); d > 0 {
		time.Sleep(d)
	}
	n, err := c.Conn.Read(p)
	c.read += int64(n)
	return n, err
}

// seedEcho is the seed README's echo route: it ignores Send's error, as
// every example there does.
type seedEcho struct{}

func (seedEcho) Do(r iface.IRequest) {
	r.GetConnect().Send(r.GetMessage().ID(), r.GetMessage().Bytes())
}

// busyEcho is seedEcho with a handler that takes a millisecond (a little
// I/O): messages pile up in the inbox meanwhile, and are all answered at
// once when the handler catches up, which is when a slow reader's replies
// overflow the write queue unless the handler is held back.
type busyEcho struct{}

func (busyEcho) Do(r iface.IRequest) {
	time.Sleep(time.Millisecond)
	seedEcho{}.Do(r)
}

// seedWSEcho is the WebSocket echo, ignoring Binary's error too.
type seedWSEcho struct{}

func (seedWSEcho) Open(iface.IConnect)      {}
func (seedWSEcho) Close(iface.IConnect)     {}
func (seedWSEcho) Message(r iface.IRequest) { r.GetConnect().Binary(r.GetMessage().Bytes()) }

// busyWSEcho is seedWSEcho taking a millisecond per message (see busyEcho).
type busyWSEcho struct{ seedWSEcho }

func (e busyWSEcho) Message(r iface.IRequest) {
	time.Sleep(time.Millisecond)
	e.seedWSEcho.Message(r)
}

// numbered returns message i of a stream: size bytes that say their number.
func numbered(i, size int) []byte {
	p := bytes.Repeat([]byte{byte(i)}, size)
	binary.BigEndian.PutUint32(p, uint32(i))
	return p
}

// TestSlowReaderGetsEveryByte: the seed's echo (which ignores Send's error)
// and a WebSocket echo, each driven by a client that sends 32 MiB in 64 KiB
// messages and reads steadily but slowly (8 MiB/s in 4 KiB reads), get
// every reply, in order, with nothing refused: the server stops handing the
// client's messages to the handler while its replies back up.
func TestSlowReaderGetsEveryByte(t *testing.T) {
	const msgs, size, rate = 512, 64 << 10, 8 << 20
	pair, _, _ := selfSigned(t, "netman")
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{pair}}
	for _, proto := range []string{"tcp", "tls", "ws", "wss"} {
		for _, onLoop := range []bool{false, true} {
			name := proto + "/pool"
			if onLoop {
				name = proto + "/loop"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				// No write waits: the hold-back alone must keep every reply.
				opts := []Option{WithLogOutput(&syncBuffer{}), WithWriteWait(0)}
				if onLoop {
					opts = append(opts, WithHandlerOnLoop())
				}
				if proto == "tls" || proto == "wss" {
					opts = append(opts, WithTLSConfig(tlsCfg))
				}
				// On the pool the handlers take a little time, so messages
				// pile up in the inbox; on the loop they must not block.
				var s *Server
				switch {
				case proto == "ws" || proto == "wss":
					var h iface.IWebsocketHandler = busyWSEcho{}
					if onLoop {
						h = seedWSEcho{}
					}
					s = Websocket("127.0.0.1", 0, h, opts...)
				case onLoop:
					s = New("127.0.0.1", 0, opts...)
					s.AddRouter(7, seedEcho{})
				default:
					s = New("127.0.0.1", 0, opts...)
					s.AddRouter(7, busyEcho{})
				}
				addr := start(t, s)
				raw, err := net.DialTimeout("tcp", addr, 10*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				defer raw.Close()
				raw.SetDeadline(time.Now().Add(5 * time.Minute))
				var nc net.Conn = &slowConn{Conn: raw, rate: rate}
				if proto == "tls" || proto == "wss" {
					nc = tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
				}
				var send func(i int) error
				var recv func() ([]byte, error)
				if proto == "ws" || proto == "wss" {
					d := websocket.Dialer{NetDialContext: func(context.Context, string, string) (net.Conn, error) { return nc, nil },
						HandshakeTimeout: 30 * time.Second, ReadBufferSize: 4 << 10}
					wc, _, err := d.Dial("ws://"+addr+"/", nil)
					if err != nil {
						t.Fatal(err)
					}
					wc.SetReadLimit(size)
					send = func(i int) error { return wc.WriteMessage(websocket.BinaryMessage, numbered(i, size)) }
					recv = func() ([]byte, error) { _, p, err := wc.ReadMessage(); return p, err }
				} else {
					send = func(i int) error { return framing.WriteMessage(nc, framing.Default, 7, numbered(i, size)) }
					recv = func() ([]byte, error) { _, p, err := framing.ReadMessage(nc, framing.Default, 0); return p, err }
				}
				sent := make(chan error, 1)
				go func() {
					for i := 0; i < msgs; i++ {
						if err := send(i); err != nil {
							sent <- err
							return
						}
					}
					sent <- nil
				}()
				for i := 0; i < msgs; i++ {
					p, err := recv()
					if err != nil {
						t.Fatalf("reply %d: %v (server: %+v)", i, err, s.Stats())
					}
					if !bytes.Equal(p, numbered(i, size)) {
						t.Fatalf("reply %d is not message %d", i, i)
					}
				}
				if err := <-sent; err != nil {
					t.Fatal(err)
				}
				if st := s.Stats(); st.WritesRefused != 0 {
					t.Fatalf("%d writes refused", st.WritesRefused)
				}
			})
		}
	}
}

// TestNeverReadingClient: clients that send 32 MiB each and never read keep
// the server's memory bounded, other clients are served meanwhile, and a
// push to a client that reads nothing is refused (counted, logged) or, with
// WithCloseOnWriteOverflow, closes it.
func TestNeverReadingClient(t *testing.T) {
	for _, closeSlow := range []bool{false, true} {
		t.Run(fmt.Sprintf("close=%v", closeSlow), func(t *testing.T) {
			logs := &syncBuffer{}
			opts := []Option{WithLogOutput(logs)}
			if closeSlow {
				opts = append(opts, WithCloseOnWriteOverflow())
			}
			s := New("127.0.0.1", 0, opts...)
			s.AddRouter(7, seedEcho{})
			addr := start(t, s)

			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			const hogs = 4
			var wg sync.WaitGroup
			for h := 0; h < hogs; h++ {
				c := connect(t, addr)
				wg.Add(1)
				go func() {
					defer wg.Done()
					c.SetWriteDeadline(time.Now().Add(3 * time.Second)) // TCP flow control stops it long before 32 MiB
					for i := 0; i < 512; i++ {
						if framing.WriteMessage(c, framing.Default, 7, numbered(i, 64<<10)) != nil {
							return
						}
					}
				}()
			}
			wg.Wait()
			// Another client is served as usual.
			other := connect(t, addr)
			for i := 0; i < 100; i++ {
				other.send(7, []byte("prompt"))
				if _, p := other.recv(); string(p) != "prompt" {
					t.Fatalf("echo %d: %q", i, p)
				}
			}
			var after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&after)
			// Per client: its write queue (4 MiB bound, held at about half
			// by the hold-back) and its inbox (4 MiB bound), plus socket
			// buffers in the kernel, not in the heap.
			grew := int64(after.HeapInuse) - int64(before.HeapInuse)
			t.Logf("heap grew by %.1f MiB for %d clients that never read", float64(grew)/(1<<20), hogs)
			if limit := int64(hogs * 10 << 20); grew > limit {
				t.Fatalf("heap grew by %d bytes for %d never-reading clients, bound %d", grew, hogs, limit)
			}

			// A push from another goroutine to a client that reads nothing.
			var hog iface.IConnect
			for _, c := range s.GetConnectMgr().GetConnects() {
				if c.GetID() == 1 {
					hog = c
				}
			}
			var err error
			for i := 0; i < 1000 && err == nil; i++ {
				_, err = hog.Send(9, make([]byte, 64<<10))
			}
			if !errors.Is(err, ErrWriteQueueFull) {
				t.Fatalf("push to a client that never reads: %v", err)
			}
			st := s.Stats()
			if st.WritesRefused == 0 || !strings.Contains(logs.String(), "write refused") {
				t.Fatalf("refused write not counted or logged: %+v", st)
			}
			if closeSlow {
				waitFor(t, "the slow client closed", func() bool { return hog.(*connection).IsClosed() })
				if st := s.Stats(); st.SlowClosed != 1 {
					t.Fatalf("SlowClosed = %d", st.SlowClosed)
				}
			} else if hog.(*connection).IsClosed() {
				t.Fatal("default policy closed the slow client")
			}
		})
	}
}

// bigReply answers each request with eight 1 MiB messages: far more than
// its request, and each beyond the 256 KiB write bound of the test once
// anything is queued.
type bigReply struct{ sent chan result }

type result struct {
	n   int
	err error
}

const bigReplies, bigReplySize = 8, 1 << 20

func (b bigReply) Do(r iface.IRequest) {
	for i := 0; i < bigReplies; i++ {
		if _, err := r.GetConnect().Send(1, numbered(i, bigReplySize)); err != nil {
			b.sent <- result{i, err}
			return
		}
	}
	b.sent <- result{bigReplies, nil}
}

// TestOwnHandlerWaitsForRoom: a reply that does not fit waits for the
// client to read when the connection's own handler sends it on a worker;
// on the loop it cannot wait and is refused (and counted).
func TestOwnHandlerWaitsForRoom(t *testing.T) {
	for _, onLoop := range []bool{false, true} {
		t.Run(fmt.Sprintf("onLoop=%v", onLoop), func(t *testing.T) {
			opts := []Option{WithLogOutput(&syncBuffer{}), WithMaxPendingWrite(256 << 10)}
			if onLoop {
				opts = append(opts, WithHandlerOnLoop())
			}
			s := New("127.0.0.1", 0, opts...)
			h := bigReply{sent: make(chan result, 1)}
			s.AddRouter(0, h)
			addr := start(t, s)
			c := connect(t, addr)
			nc := &slowConn{Conn: c, rate: 8 << 20}
			c.send(0, nil)
			want := bigReplies
			var res result
			if onLoop {
				res = <-h.sent // the loop does not wait for the client
				want = res.n
			} else {
				// The client reads nothing until the handler has had to
				// wait: 8 MiB cannot fit in the kernel's buffers of an
				// unread socket (its receive buffer does not grow while
				// unread) plus 256 KiB pending. Reading from the start
				// let a reader faster than a loaded machine's handler
				// drain every reply before any had to wait.
				waitFor(t, "a reply to wait for room", func() bool {
					s.writes.mu.Lock()
					defer s.writes.mu.Unlock()
					return len(s.writes.m) > 0
				})
			}
			for i := 0; i < want; i++ {
				_, p, err := framing.ReadMessage(nc, framing.Default, 0)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(p, numbered(i, bigReplySize)) {
					t.Fatalf("reply %d differs", i)
				}
			}
			if !onLoop {
				res = <-h.sent
			}
			st := s.Stats()
			switch {
			case !onLoop && (res.err != nil || st.WritesWaited == 0 || st.WritesRefused != 0):
				t.Fatalf("on the pool: sent %d, %v; %+v; want every reply, after waits", res.n, res.err, st)
			case onLoop && (!errors.Is(res.err, ErrWriteQueueFull) || st.WritesRefused != 1):
				t.Fatalf("on the loop: sent %d, %v; %+v; want a refusal (a loop never waits)", res.n, res.err, st)
			}
		})
	}
}

// slowProxy forwards client bytes to the server as they come, and the
// server's bytes to the client in pieces of random size (1 to 4096 bytes),
// no faster than rate: a client behind a proxy that re-segments and slows
// the server's output.
func slowProxy(t *testing.T, target string, rate float64) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for seed := int64(1); ; seed++ {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.DialTimeout("tcp", target, 10*time.Second)
			if err != nil {
				c.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(s, c); s.(*net.TCPConn).CloseWrite() }()
			go func() {
				defer wg.Done()
				defer c.Close()
				defer s.Close()
				rnd := rand.New(rand.NewSource(seed))
				src := &slowConn{Conn: s, rate: rate}
				buf := make([]byte, 4096)
				for {
					n, err := src.Read(buf[:1+rnd.Intn(len(buf))])
					if n > 0 {
						if _, werr := c.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// TestWebsocketBulkCasesBehindSlowProxy plays the conformance suite's bulk
// cases (9.x) through a proxy that re-segments the server's output and
// forwards it at 16 MiB/s: with handlers on the pool and on the loop, and
// over wss, every reply arrives.
func TestWebsocketBulkCasesBehindSlowProxy(t *testing.T) {
	pair, _, _ := selfSigned(t, "netman")
	for _, mode := range []struct {
		name string
		opts []Option
		tls  bool
	}{
		{"worker pool", nil, false},
		{"handler on loop", []Option{WithHandlerOnLoop()}, false},
		{"wss", []Option{WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pair}})}, true},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			addrs := map[conformance.Config]string{}
			n := 0
			for _, tc := range conformance.Cases() {
				if !strings.HasPrefix(tc.ID, "9.") {
					continue
				}
				addr, ok := addrs[tc.Config]
				if !ok {
					// No write waits: the hold-back alone must keep every reply.
					opts := append([]Option{WithLogOutput(&syncBuffer{}), WithWriteWait(0), WithMaxMessageSize(int(tc.Config.Limit()))}, mode.opts...)
					addr = slowProxy(t, start(t, Websocket("127.0.0.1", 0, echoWS{}, opts...)), 16<<20)
					addrs[tc.Config] = addr
				}
				nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if mode.tls {
					nc = tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
				}
				if err := tc.RunConn(nc); err != nil {
					t.Errorf("case %s (%s): %v", tc.ID, tc.Desc, err)
				}
				n++
			}
			if n < 15 {
				t.Fatalf("only %d bulk cases", n)
			}
		})
	}
}
