package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/netman-go/netman/netman/iface"
)

// wsEvent is what the test handler saw on one connection, in order.
type wsEvent struct {
	kind string // "open", "text", "binary", "close"
	data string
}

// wsRecorder is an IWebsocketHandler that records every event per
// connection and answers messages:
//
//	"close <code> <reason>"  CloseWithCode(code, reason)
//	"query"                  the query parameters, encoded
//	"broadcast <text>"       <text> to every open connection
//	"slow <text>"            "re: <text>" after 100 ms (a handler that blocks)
//	anything else            echoed with its type
type wsRecorder struct {
	mu     sync.Mutex
	events map[int][]wsEvent
	errs   []string
}

func newRecorder() *wsRecorder { return &wsRecorder{events: map[int][]wsEvent{}} }

func (r *wsRecorder) add(c iface.IConnect, e wsEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	evs := r.events[c.GetID()]
	switch {
	case e.kind == "open" && len(evs) > 0:
		r.errs = append(r.errs, fmt.Sprintf("conn %d: Open after %v", c.GetID(), evs))
	case e.kind != "open" && (len(evs) == 0 || evs[0].kind != "open"):
		r.errs = append(r.errs, fmt.Sprintf("conn %d: %s before Open", c.GetID(), e.kind))
	case len(evs) > 0 && evs[len(evs)-1].kind == "close":
		r.errs = append(r.errs, fmt.Sprintf("conn %d: %s after Close", c.GetID(), e.kind))
	}
	r.events[c.GetID()] = append(evs, e)
}

func (r *wsRecorder) Open(c iface.IConnect)  { r.add(c, wsEvent{kind: "open"}) }
func (r *wsRecorder) Close(c iface.IConnect) { r.add(c, wsEvent{kind: "close"}) }

func (r *wsRecorder) Message(req iface.IRequest) {
	m, c := req.GetMessage(), req.GetConnect()
	kind := "binary"
	if m.IsText() {
		kind = "text"
	}
	if m.IsText() == m.IsBinary() {
		r.mu.Lock()
		r.errs = append(r.errs, "IsText == IsBinary")
		r.mu.Unlock()
	}
	r.add(c, wsEvent{kind: kind, data: m.String()})
	s := m.String()
	switch {
	case m.IsText() && strings.HasPrefix(s, "close "):
		f := strings.SplitN(s, " ", 3)
		code, _ := strconv.Atoi(f[1])
		c.CloseWithCode(code, f[2])
	case m.IsText() && s == "query":
		c.Text([]byte(c.Query().Encode()))
	case m.IsText() && strings.HasPrefix(s, "broadcast "):
		for _, other := range req.GetConnects() {
			other.Text([]byte(strings.TrimPrefix(s, "broadcast ")))
		}
	case m.IsText() && strings.HasPrefix(s, "slow "):
		time.Sleep(100 * time.Millisecond)
		c.Text([]byte("re: " + strings.TrimPrefix(s, "slow ")))
	case m.IsText():
		c.Text(m.Bytes())
	default:
		c.Binary(m.Bytes())
	}
}

// count returns how many events of kind connection id saw.
func (r *wsRecorder) count(id int, kind string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events[id] {
		if e.kind == kind {
			n++
		}
	}
	return n
}

// total returns how many events of kind all connections saw.
func (r *wsRecorder) total(kind string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, evs := range r.events {
		for _, e := range evs {
			if e.kind == kind {
				n++
			}
		}
	}
	return n
}

// ids returns the ids of the connections seen.
func (r *wsRecorder) ids() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for id := range r.events {
		out = append(out, id)
	}
	return out
}

// check fails the test if any connection saw its events out of order, or
// one of its handlers saw an inconsistent message.
func (r *wsRecorder) check(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) > 0 {
		t.Fatalf("handler order violated:\n%s", strings.Join(r.errs, "\n"))
	}
}

// waitClosed waits until every connection that opened has been closed
// exactly once, and checks the order of every connection's events.
func (r *wsRecorder) waitClosed(t testing.TB, opened int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d Close calls", opened), func() bool {
		return r.total("open") == opened && r.total("close") == opened
	})
	r.check(t)
}

// startWS starts a WebSocket server with rec as its handler on a free port.
func startWS(t testing.TB, rec *wsRecorder, opts ...Option) (*Server, string, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	s := Websocket("127.0.0.1", 0, rec, append([]Option{WithLogOutput(logs)}, opts...)...)
	return s, start(t, s), logs
}

// dialGorilla opens a WebSocket with gorilla/websocket.
func dialGorilla(t testing.TB, addr, path string, compress bool) (*websocket.Conn, *http.Response) {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, EnableCompression: compress}
	c, resp, err := d.Dial("ws://"+addr+path, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	return c, resp
}

// readMsg reads one message and checks its type and content.
func readMsg(t testing.TB, c *websocket.Conn, wantType int, want string) {
	t.Helper()
	typ, p, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read (want %q): %v", abbrev(want), err)
	}
	if typ != wantType || string(p) != want {
		t.Fatalf("got type %d %q, want type %d %q", typ, abbrev(string(p)), wantType, abbrev(want))
	}
}

// readClose reads until the server's close frame and returns its code and
// text; then it closes the TCP connection, as a client does once the close
// handshake is over (the server lingers until then).
func readClose(t testing.TB, c *websocket.Conn) (int, string) {
	t.Helper()
	defer c.Close()
	for {
		_, p, err := c.ReadMessage()
		if err == nil {
			t.Logf("message before the close: %q", abbrev(string(p)))
			continue
		}
		ce, ok := err.(*websocket.CloseError)
		if !ok {
			t.Fatalf("want a close frame, got %v", err)
		}
		return ce.Code, ce.Text
	}
}

func abbrev(s string) string {
	if len(s) > 40 {
		return s[:40] + "…(" + strconv.Itoa(len(s)) + " bytes)"
	}
	return s
}

// count returns how many times substr occurs in logs.
func countLog(logs *syncBuffer, substr string) int { return strings.Count(logs.String(), substr) }
