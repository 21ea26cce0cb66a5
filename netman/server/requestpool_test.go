package server

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/gorilla/websocket"

	"github.com/netman-go/netman/netman/iface"
)

// body is message seq of connection conn: its size varies from a few
// bytes to past maxPooledPayload and past one read, so pooled requests
// are reused across sizes and the partial-message decoder path is taken.
func body(conn, seq int) []byte {
	n := 8 + (seq*997)%(3*maxPooledPayload)
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(conn*31 + seq + i)
	}
	binary.BigEndian.PutUint32(b, uint32(conn))
	binary.BigEndian.PutUint32(b[4:], uint32(seq))
	return b
}

// With WithRequestPool every reply still carries the bytes of its own
// message while requests are recycled under pipelined load, on the worker
// pool and on the loop, and a value Set by middleware for one message is
// gone for the next.
func TestRequestPoolEchoesEveryMessage(t *testing.T) {
	for _, onLoop := range []bool{false, true} {
		t.Run(fmt.Sprintf("onLoop=%v", onLoop), func(t *testing.T) {
			opts := []Option{WithRequestPool()}
			if onLoop {
				opts = append(opts, WithHandlerOnLoop())
			}
			s, _ := newTest(t, opts...)
			var leaked sync.Map
			s.Use(func(ctx iface.IContext, next iface.Next) interface{} {
				if v := ctx.Get("seq"); v != nil {
					leaked.Store(v, true)
				}
				ctx.Set("seq", string(ctx.GetMessage().Bytes()[4:8]))
				return next(ctx)
			})
			s.AddRouter(7, routerFunc(func(r iface.IRequest) {
				m := r.GetMessage()
				r.GetConnect().Send(m.ID(), m.Bytes())
			}))
			addr := start(t, s)

			const conns, msgs = 4, 300
			var wg sync.WaitGroup
			for ci := 0; ci < conns; ci++ {
				c := connect(t, addr)
				wg.Add(2)
				go func() { // one burst: many messages in flight
					defer wg.Done()
					var out bytes.Buffer
					for seq := 0; seq < msgs; seq++ {
						p, _ := framingDefault{}.pack(7, body(ci, seq))
						out.Write(p)
					}
					if _, err := c.Write(out.Bytes()); err != nil {
						t.Error(err)
					}
				}()
				go func() {
					defer wg.Done()
					for seq := 0; seq < msgs; seq++ {
						id, got := c.recv()
						if want := body(ci, seq); id != 7 || !bytes.Equal(got, want) {
							t.Errorf("conn %d reply %d: id %d, %d bytes starting %x; want id 7, %d bytes starting %x",
								ci, seq, id, len(got), got[:min(8, len(got))], len(want), want[:8])
							return
						}
					}
				}()
			}
			wg.Wait()
			leaked.Range(func(k, _ any) bool {
				t.Errorf("a pooled request kept the value of an earlier message: %x", k)
				return true
			})
		})
	}
}

type wsEcho struct{}

func (wsEcho) Open(iface.IConnect)  {}
func (wsEcho) Close(iface.IConnect) {}
func (wsEcho) Message(r iface.IRequest) {
	m := r.GetMessage()
	if m.IsText() {
		r.GetConnect().Text(m.Bytes())
	} else {
		r.GetConnect().Binary(m.Bytes())
	}
}

// The same over WebSocket, where the kind of each message (text or
// binary) must survive the reuse too.
func TestRequestPoolWebSocket(t *testing.T) {
	logs := &syncBuffer{}
	s := Websocket("127.0.0.1", 0, wsEcho{}, WithLogOutput(logs), WithRequestPool())
	addr := start(t, s)
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/", http.Header{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(60 * time.Second))
	const msgs = 200
	go func() {
		for seq := 0; seq < msgs; seq++ {
			kind := websocket.BinaryMessage
			if seq%3 == 0 {
				kind = websocket.TextMessage
			}
			b := body(0, seq)
			if kind == websocket.TextMessage {
				b = []byte(fmt.Sprintf("text %d %s", seq, bytes.Repeat([]byte{'x'}, seq*37)))
			}
			if err := c.WriteMessage(kind, b); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for seq := 0; seq < msgs; seq++ {
		kind, got, err := c.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		wantKind, want := websocket.BinaryMessage, body(0, seq)
		if seq%3 == 0 {
			wantKind, want = websocket.TextMessage, []byte(fmt.Sprintf("text %d %s", seq, bytes.Repeat([]byte{'x'}, seq*37)))
		}
		if kind != wantKind || !bytes.Equal(got, want) {
			t.Fatalf("reply %d: kind %d, %d bytes; want kind %d, %d bytes", seq, kind, len(got), wantKind, len(want))
		}
	}
}

// A routed message costs no allocation with WithRequestPool (decoded from
// the loop's buffer, routed on the loop, answered with Send), and the two
// of the seed's contract without it.
func TestRequestPoolAllocations(t *testing.T) {
	for _, pool := range []bool{false, true} {
		if pool && raceEnabled {
			continue // the race detector makes sync.Pool drop a share of what it is given, by design
		}
		opts := []Option{WithLogOutput(io.Discard), WithHandlerOnLoop()}
		if pool {
			opts = append(opts, WithRequestPool())
		}
		s := New("127.0.0.1", 0, opts...)
		s.AddRouter(5, routerFunc(func(r iface.IRequest) {
			r.GetConnect().Send(r.GetMessage().ID(), r.GetMessage().Bytes())
		}))
		s.rt.Freeze()
		p := tcpProtocol{s}
		c := s.newConn(discard{})
		in := bytes.Repeat(pack(5, string(make([]byte, 512))), 4)
		got := testing.AllocsPerRun(200, func() {
			if _, err := p.data(c, in); err != nil {
				t.Fatal(err)
			}
			s.disp.EndInput(c)
		}) / 4
		s.disp.Close()
		want := 2.0
		if pool {
			want = 0
		}
		// AllocsPerRun truncates; a pool emptied by a GC during the run
		// can add a fraction, never a whole allocation per message.
		if got < want || got >= want+1 {
			t.Errorf("pool=%v: %.2f allocations per routed message, want %.0f", pool, got, want)
		}
	}
}

// TestRequestSize keeps a request in the 112-byte size class: one more
// field puts it in the 128-byte class of netpoll's Conn, and then the
// spans that a burst of messages leaves as garbage hold live connections
// too and stay resident (the idle-memory benchmark's netman row).
func TestRequestSize(t *testing.T) {
	if n := unsafe.Sizeof(request{}); n > 112 {
		t.Fatalf("request is %d bytes, want at most 112", n)
	}
}
