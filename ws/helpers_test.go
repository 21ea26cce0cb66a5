package ws_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/netman-go/netman/ws"
	"github.com/netman-go/netman/ws/internal/wstest"
)

// event is what the recorder saw.
type event struct {
	kind   string // "open", "msg", "close", "pong"
	op     ws.OpCode
	data   string
	code   ws.StatusCode
	req    ws.Request
	header http.Header // req.Header() during OnOpen
	protos []string    // req.Protocols() during OnOpen
	reason string
}

// recorder is a ws.Handler that records events, copying payloads.
type recorder struct {
	mu     sync.Mutex
	events []event
	echo   bool
}

func (r *recorder) add(e event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) OnOpen(c *ws.ServerConn, req ws.Request) {
	r.add(event{kind: "open", req: req, header: req.Header(), protos: req.Protocols()})
}
func (r *recorder) OnMessage(c *ws.ServerConn, op ws.OpCode, p []byte) {
	r.add(event{kind: "msg", op: op, data: string(p)})
	if r.echo {
		_ = c.WriteMessage(op, p)
	}
}
func (r *recorder) OnClose(c *ws.ServerConn, code ws.StatusCode, reason string) {
	r.add(event{kind: "close", code: code, reason: reason})
}
func (r *recorder) OnPong(c *ws.ServerConn, p []byte) { r.add(event{kind: "pong", data: string(p)}) }

func (r *recorder) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if e.kind == "msg" {
			prefix := "T:"
			if e.op == ws.OpBinary {
				prefix = "B:"
			}
			out = append(out, prefix+e.data)
		}
	}
	return out
}

// syncBuffer is a goroutine-safe ws.Transport that records each Write and the codec's close.
type syncBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	closes int   // CloseWithError calls
	reason error // of the first
}

func (b *syncBuffer) CloseWithError(reason error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closes++
	if b.closes == 1 {
		b.reason = reason
	}
	return nil
}

// closed returns how often the codec closed the transport, and the first reason.
func (b *syncBuffer) closed() (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closes, b.reason
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes++
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}

// feeder mimics the glue: it keeps the bytes Feed did not consume.
type feeder struct {
	t       testing.TB
	c       *ws.ServerConn
	pending []byte
	err     error
}

func (f *feeder) feed(chunks ...[]byte) error {
	for _, ch := range chunks {
		if f.err != nil {
			return f.err
		}
		f.pending = append(f.pending, ch...)
		n, err := f.c.Feed(f.pending)
		if n < 0 || n > len(f.pending) {
			f.t.Fatalf("Feed consumed %d of %d", n, len(f.pending))
		}
		f.pending = append(f.pending[:0], f.pending[n:]...)
		f.err = err
	}
	return f.err
}

func (f *feeder) feedBytewise(p []byte) error {
	for i := range p {
		if err := f.feed(p[i : i+1]); err != nil {
			return err
		}
	}
	return nil
}

// newConn returns a connection of a server built with opts, its recorder and output.
func newConn(t testing.TB, opts ...ws.Option) (*feeder, *recorder, *syncBuffer) {
	rec := &recorder{}
	out := &syncBuffer{}
	c := ws.NewServer(rec, opts...).NewConn(out)
	return &feeder{t: t, c: c}, rec, out
}

// openConn is newConn followed by a successful upgrade; the 101 response is dropped from out.
func openConn(t testing.TB, opts ...ws.Option) (*feeder, *recorder, *syncBuffer) {
	t.Helper()
	f, rec, out := newConn(t, opts...)
	if err := f.feed([]byte(wstest.Request("/"))); err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	resp, _ := splitResponse(t, out.Bytes())
	if resp.StatusCode != 101 {
		t.Fatalf("upgrade status %d", resp.StatusCode)
	}
	out.mu.Lock()
	out.buf.Reset()
	out.writes = 0
	out.mu.Unlock()
	return f, rec, out
}

// splitResponse parses the HTTP response at the start of b and returns it and the bytes after it.
func splitResponse(t testing.TB, b []byte) (*http.Response, []byte) {
	t.Helper()
	i := bytes.Index(b, []byte("\r\n\r\n"))
	if i < 0 {
		t.Fatalf("no complete HTTP response in %q", b)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b[:i+4])), nil)
	if err != nil {
		t.Fatalf("bad HTTP response %q: %v", b, err)
	}
	return resp, b[i+4:]
}

// frames decodes all server frames in b.
func frames(t testing.TB, b []byte) []wstest.ServerFrame {
	t.Helper()
	var fs []wstest.ServerFrame
	for len(b) > 0 {
		f, n, err := wstest.ParseServerFrame(b)
		if err != nil || n == 0 {
			t.Fatalf("bad server output %q: %v", b, err)
		}
		fs = append(fs, f)
		b = b[n:]
	}
	return fs
}

// closeCode returns the code of the single close frame in fs, or -1.
func closeCode(fs []wstest.ServerFrame) int {
	for _, f := range fs {
		if f.Op == byte(ws.OpClose) {
			if len(f.Payload) < 2 {
				return 0
			}
			return int(f.Payload[0])<<8 | int(f.Payload[1])
		}
	}
	return -1
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }

// discard is a Transport that drops everything (made once: wrapping allocates).
var discard = ws.NopCloser(io.Discard)
