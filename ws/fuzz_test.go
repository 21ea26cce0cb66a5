package ws_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/netman-go/netman/ws"
	"github.com/netman-go/netman/ws/internal/wstest"
)

// feedSplit feeds data cut at the offsets given by splits (each byte is a chunk length), like a
// glue that keeps unconsumed bytes. It checks Feed's contract and returns the first error.
func feedSplit(t *testing.T, c *ws.ServerConn, data, splits []byte, maxPending int) error {
	var pending []byte
	for i := 0; len(data) > 0; i++ {
		k := len(data)
		if i < len(splits) {
			k = min(len(data), int(splits[i])+1)
		}
		pending = append(pending, data[:k]...)
		data = data[k:]
		n, err := c.Feed(pending)
		if n < 0 || n > len(pending) {
			t.Fatalf("Feed consumed %d of %d", n, len(pending))
		}
		pending = append(pending[:0], pending[n:]...)
		if err != nil {
			return err
		}
		if len(pending) > maxPending {
			t.Fatalf("Feed left %d bytes unconsumed, more than %d", len(pending), maxPending)
		}
	}
	return nil
}

// outcome is what a connection produced, to compare runs fed with different splits.
type outcome struct {
	events []string
	out    []byte
	err    string
}

func describeErr(err error) string {
	var ce *ws.CloseError
	var he *ws.HandshakeError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ce):
		return fmt.Sprintf("close %d %v", ce.Code, errors.Unwrap(err))
	case errors.As(err, &he):
		return fmt.Sprintf("http %d", he.Status)
	}
	return err.Error()
}

func FuzzUpgrade(f *testing.F) {
	f.Add([]byte(wstest.Request("/a?b=c", "Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=9")), []byte{0, 3, 200})
	f.Add([]byte("GET / HTTP/1.1\nHost: x\nUpgrade: websocket\nConnection: upgrade\nSec-WebSocket-Key: "+wstest.Key+"\nSec-WebSocket-Version: 13\n\n"), []byte{1})
	f.Add([]byte("POST / HTTP/1.1\r\nHost: x\r\n\r\n"), []byte{})
	f.Add([]byte("GET /index.html?a HTTP/1.1\r\nHost: x\r\n\r\n"), []byte{2, 9})
	f.Add([]byte("\r\n\r\nGET / HTTP/1.0\r\n\r\n"), []byte{0, 0, 0})
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 8\r\n\r\n"), []byte{5, 5})
	f.Fuzz(func(t *testing.T, data, splits []byte) {
		const maxHeader = 1024
		// Half the inputs (by length) also have a plain-HTTP hook that answers with the path.
		opts := []ws.Option{ws.WithMaxHeaderBytes(maxHeader), ws.WithDeflate(ws.DeflateOptions{}), ws.WithSubprotocols("chat")}
		if len(data)%2 == 0 {
			opts = append(opts, ws.WithHTTPHandler(func(_ *ws.ServerConn, r ws.Request) (int, http.Header, []byte) {
				return 200, http.Header{"X-Host": {r.Host}}, []byte(r.Path)
			}))
		}
		run := func(splits []byte) outcome {
			rec := &recorder{}
			out := &syncBuffer{}
			c := ws.NewServer(rec, opts...).NewConn(out)
			err := feedSplit(t, c, append([]byte(nil), data...), splits, maxHeader+256)
			o := outcome{out: out.Bytes(), err: describeErr(err)}
			for _, e := range rec.events {
				o.events = append(o.events, fmt.Sprintf("%s %v %q", e.kind, e.op, e.data))
				if e.kind == "open" && e.req.URI == "" {
					t.Fatal("OnOpen without request")
				}
			}
			var he *ws.HandshakeError
			switch {
			case errors.As(err, &he):
				if !bytes.HasPrefix(o.out, []byte(fmt.Sprintf("HTTP/1.1 %d ", he.Status))) || len(rec.events) != 0 {
					t.Fatalf("rejection %d with output %q", he.Status, o.out)
				}
			case errors.Is(err, ws.ErrHTTPServed):
				if !bytes.HasPrefix(o.out, []byte("HTTP/1.1 200 OK\r\n")) || !bytes.Contains(o.out, []byte("\r\nConnection: close\r\n")) ||
					len(rec.events) != 0 || len(data)%2 != 0 {
					t.Fatalf("plain response %q", o.out)
				}
			case len(rec.events) > 0 && rec.events[0].kind == "open":
				if !bytes.HasPrefix(o.out, []byte("HTTP/1.1 101 ")) {
					t.Fatalf("open with output %q", o.out)
				}
			}
			return o
		}
		whole := run(nil)
		if split := run(splits); !reflect.DeepEqual(whole, split) {
			t.Fatalf("outcome depends on how the bytes are split:\nwhole %+v\nsplit %+v", whole, split)
		}
	})
}

func FuzzFrames(f *testing.F) {
	f.Add(cat(wstest.Frame(1, true, 0, []byte("hello")), wstest.Frame(9, true, 0, []byte("p"))), []byte{0, 1, 2}, false)
	f.Add(cat(wstest.Frame(1, false, 0, []byte("κό")), wstest.Frame(0, true, 0, []byte("σμε"))), []byte{7}, false)
	f.Add(wstest.Frame(2, true, 0, make([]byte, 300)), []byte{100, 100}, false)
	f.Add(wstest.Frame(8, true, 0, wstest.ClosePayload(1000, "bye")), []byte{}, false)
	f.Add(wstest.Frame(1, true, 4, deflateClient(f, []byte("compressed compressed compressed"))), []byte{3}, true)
	f.Add(wstest.Frame(2, true, 4, deflateClient(f, make([]byte, 10000))), []byte{}, true)
	f.Add([]byte{0x81, 0xff, 0, 0, 0, 0, 0, 0, 0x10, 0, 1, 2, 3, 4}, []byte{0}, false)
	f.Fuzz(func(t *testing.T, data, splits []byte, deflate bool) {
		const maxMessage = 4096
		run := func(splits []byte) outcome {
			rec := &recorder{echo: true}
			out := &syncBuffer{}
			opts := []ws.Option{ws.WithMaxMessageSize(maxMessage)}
			var hdr []string
			if deflate {
				opts = append(opts, ws.WithDeflate(ws.DeflateOptions{Threshold: 1}))
				hdr = append(hdr, "Sec-WebSocket-Extensions: permessage-deflate")
			}
			c := ws.NewServer(rec, opts...).NewConn(out)
			if _, err := c.Feed([]byte(wstest.Request("/", hdr...))); err != nil {
				t.Fatal(err)
			}
			// Unconsumed bytes are at most a frame header or a whole control frame.
			err := feedSplit(t, c, append([]byte(nil), data...), splits, 14+125+256)
			o := outcome{out: out.Bytes(), err: describeErr(err)}
			for _, e := range rec.events[1:] {
				if e.kind == "msg" {
					switch {
					case len(e.data) > maxMessage:
						t.Fatalf("message of %d bytes delivered, limit %d", len(e.data), maxMessage)
					case e.op != ws.OpText && e.op != ws.OpBinary:
						t.Fatalf("message delivered with opcode %v", e.op)
					case e.op == ws.OpText && !utf8.ValidString(e.data):
						t.Fatalf("text message with invalid UTF-8 delivered: %q", e.data)
					}
				}
				o.events = append(o.events, fmt.Sprintf("%s %v %q %d %q", e.kind, e.op, e.data, e.code, e.reason))
			}
			checkServerFrames(t, o.out, deflate)
			if err != nil {
				if n, err2 := c.Feed([]byte{0x81}); n != 0 || !errors.Is(err2, ws.ErrClosed) {
					t.Fatalf("Feed after %v: %d, %v", err, n, err2)
				}
			}
			return o
		}
		whole := run(nil)
		if split := run(splits); !reflect.DeepEqual(whole, split) {
			t.Fatalf("outcome depends on how the bytes are split:\nwhole %+v\nsplit %+v", whole, split)
		}
	})
}

// checkServerFrames checks what the server wrote after its 101 response:
// whole, unmasked frames; control frames final and at most 125 bytes; text
// that is valid UTF-8 (when it is not compressed); a close frame, if any,
// last, with no payload or a valid code and a UTF-8 reason.
func checkServerFrames(t *testing.T, out []byte, deflate bool) {
	t.Helper()
	i := bytes.Index(out, []byte("\r\n\r\n"))
	if !bytes.HasPrefix(out, []byte("HTTP/1.1 101 ")) || i < 0 {
		t.Fatalf("no 101 response: %q", out)
	}
	out = out[i+4:]
	for len(out) > 0 {
		f, n, err := wstest.ParseServerFrame(out)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("the server wrote a partial frame: %x", out)
		}
		out = out[n:]
		switch {
		case f.Op >= 8 && (!f.Fin || len(f.Payload) > 125):
			t.Fatalf("bad control frame from the server: op %d fin %v len %d", f.Op, f.Fin, len(f.Payload))
		case f.Op == 1 && f.Rsv == 0 && f.Fin && !utf8.Valid(f.Payload):
			t.Fatalf("the server sent invalid UTF-8 as text: %q", f.Payload)
		case f.Rsv != 0 && (!deflate || f.Rsv != 4 || f.Op >= 8):
			t.Fatalf("the server set reserved bits %b on op %d", f.Rsv, f.Op)
		case f.Op == 8:
			if len(out) > 0 {
				t.Fatalf("the server wrote %d bytes after its close frame", len(out))
			}
			if len(f.Payload) == 1 {
				t.Fatal("close frame with a 1-byte payload")
			}
			if len(f.Payload) >= 2 {
				code := int(f.Payload[0])<<8 | int(f.Payload[1])
				// 1000-1003 and 1007-1011 (RFC 6455), 1012-1014 (registered since, sent by
				// browsers and echoed by the codec), 3000-4999 (libraries and applications).
				if code < 1000 || (code > 1003 && code < 1007) || (code > 1014 && code < 3000) || code > 4999 {
					t.Fatalf("the server sent close code %d", code)
				}
				if !utf8.Valid(f.Payload[2:]) {
					t.Fatalf("close reason is not UTF-8: %q", f.Payload[2:])
				}
			}
		}
	}
}
