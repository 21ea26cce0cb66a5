package ws_test

import (
	"errors"
	"testing"

	"github.com/netman-go/netman/ws"
	"github.com/netman-go/netman/ws/internal/wstest"
)

// holder is a Handler that behaves like a glue handing messages to workers: it holds the close
// frame for every message and keeps the messages for the test to "handle" later.
type holder struct {
	msgs []string
}

func (h *holder) OnOpen(*ws.ServerConn, ws.Request) {}
func (h *holder) OnMessage(c *ws.ServerConn, op ws.OpCode, p []byte) {
	c.HoldClose()
	h.msgs = append(h.msgs, string(p))
}
func (h *holder) OnClose(*ws.ServerConn, ws.StatusCode, string) {}

func openHolder(t *testing.T) (*feeder, *holder, *syncBuffer) {
	t.Helper()
	h := &holder{}
	out := &syncBuffer{}
	f := &feeder{t: t, c: ws.NewServer(h).NewConn(out)}
	if err := f.feed([]byte(wstest.Request("/"))); err != nil {
		t.Fatal(err)
	}
	_, rest := splitResponse(t, out.Bytes())
	if len(rest) != 0 {
		t.Fatalf("output after the 101: %q", rest)
	}
	out.mu.Lock()
	out.buf.Reset()
	out.mu.Unlock()
	return f, h, out
}

// TestHoldCloseOrdersRepliesBeforeClose: the close frame that answers or fails the connection
// waits until the handlers of the messages received before it have replied.
func TestHoldCloseOrdersRepliesBeforeClose(t *testing.T) {
	cases := []struct {
		name     string
		last     []byte // what follows the two messages
		wantErr  error
		wantCode int // close code of the server's frame; 0 for one without payload
	}{
		{"peer close", wstest.Frame(8, true, 0, wstest.ClosePayload(1001, "bye")), ws.ErrClosed, 1001},
		{"peer close without code", wstest.Frame(8, true, 0, nil), ws.ErrClosed, 0},
		{"protocol error", wstest.Frame(1, true, 2, []byte("rsv2")), ws.ErrProtocol, 1002},
		{"invalid UTF-8", wstest.Frame(1, true, 0, []byte("\xff")), ws.ErrInvalidUTF8, 1007},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, h, out := openHolder(t)
			err := f.feed(cat(wstest.Frame(1, true, 0, []byte("a")), wstest.Frame(1, true, 0, []byte("b")), tc.last))
			if err != nil {
				t.Fatalf("Feed: %v, want nil while the close is held", err)
			}
			if len(h.msgs) != 2 || len(out.Bytes()) != 0 {
				t.Fatalf("messages %q, output %q before the handlers ran", h.msgs, out.Bytes())
			}
			if n, _ := out.closed(); n != 0 {
				t.Fatal("transport closed while the close frame is held")
			}
			if err := f.feed(wstest.Frame(1, true, 0, []byte("after the end"))); err != nil || len(h.msgs) != 2 {
				t.Fatalf("input after the end: %v, messages %q; want it discarded", err, h.msgs)
			}
			// The "workers" handle a, then b; meanwhile Close is refused and pings still go out.
			if err := f.c.WriteText([]byte("re: a")); err != nil {
				t.Fatal(err)
			}
			f.c.ReleaseClose()
			if n, _ := out.closed(); n != 0 {
				t.Fatal("transport closed by the first of two releases")
			}
			if err := f.c.Close(ws.StatusNormalClosure, ""); !errors.Is(err, ws.ErrClosed) {
				t.Fatalf("Close while a close frame is held: %v", err)
			}
			if err := f.c.Ping([]byte("p")); err != nil {
				t.Fatal(err)
			}
			if err := f.c.WriteBinary([]byte("re: b")); err != nil {
				t.Fatal(err)
			}
			f.c.ReleaseClose()
			n, reason := out.closed()
			var ce *ws.CloseError
			if n != 1 || !errors.As(reason, &ce) || !errors.Is(reason, tc.wantErr) {
				t.Fatalf("after the last release: %d closes, reason %v; want one wrapping %v", n, reason, tc.wantErr)
			}
			fs := frames(t, out.Bytes())
			if len(fs) != 4 || string(fs[0].Payload) != "re: a" || fs[1].Op != 9 || string(fs[2].Payload) != "re: b" || fs[3].Op != 8 {
				t.Fatalf("frames %+v", fs)
			}
			if got := closeCode(fs); got != tc.wantCode {
				t.Fatalf("close code %d, want %d", got, tc.wantCode)
			}
			if err := f.c.WriteText([]byte("late")); !errors.Is(err, ws.ErrClosed) {
				t.Fatalf("write after the close frame: %v", err)
			}
			f.c.ReleaseClose() // without a hold: nothing
			if n, _ := out.closed(); n != 1 || len(frames(t, out.Bytes())) != 4 {
				t.Fatal("a release without a hold wrote or closed again")
			}
		})
	}
}

// TestHoldCloseReleasedBeforeClose: holds that are all released before the close arrives change
// nothing, and pongs are never held.
func TestHoldCloseReleasedBeforeClose(t *testing.T) {
	f, h, out := openHolder(t)
	if err := f.feed(cat(wstest.Frame(1, true, 0, []byte("a")), wstest.Frame(9, true, 0, []byte("ping")))); err != nil {
		t.Fatal(err)
	}
	if fs := frames(t, out.Bytes()); len(fs) != 1 || fs[0].Op != 10 || string(fs[0].Payload) != "ping" {
		t.Fatalf("pong held: %+v", fs)
	}
	f.c.ReleaseClose()
	if n, _ := out.closed(); n != 0 || len(h.msgs) != 1 {
		t.Fatalf("release before any close: %d closes, messages %q", n, h.msgs)
	}
	err := f.feed(wstest.Frame(8, true, 0, wstest.ClosePayload(1000, "")))
	var ce *ws.CloseError
	if !errors.As(err, &ce) || !errors.Is(err, ws.ErrClosed) {
		t.Fatalf("Feed: %v", err)
	}
	if n, reason := out.closed(); n != 1 || reason != err {
		t.Fatalf("transport closes %d, reason %v; want Feed's error", n, reason)
	}
	if fs := frames(t, out.Bytes()); len(fs) != 2 || closeCode(fs) != 1000 {
		t.Fatalf("frames %+v", fs)
	}
}

// TestHoldCloseServerInitiated: a close the application starts is never held.
func TestHoldCloseServerInitiated(t *testing.T) {
	f, _, out := openHolder(t)
	f.c.HoldClose()
	if err := f.c.Close(ws.StatusGoingAway, "bye"); err != nil {
		t.Fatal(err)
	}
	if fs := frames(t, out.Bytes()); closeCode(fs) != 1001 {
		t.Fatalf("frames %+v", fs)
	}
	if n, reason := out.closed(); n != 1 || !errors.Is(reason, ws.ErrClosed) {
		t.Fatalf("after Close: %d transport closes, reason %v", n, reason)
	}
	f.feed(wstest.Frame(8, true, 0, wstest.ClosePayload(1001, "")))
	f.c.ReleaseClose()
	if len(frames(t, out.Bytes())) != 1 {
		t.Fatal("a second close frame was sent")
	}
}
