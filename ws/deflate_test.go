package ws_test

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/netman-go/netman/ws"
	"github.com/netman-go/netman/ws/internal/wstest"
)

// deflateClient compresses like a permessage-deflate client without context takeover.
func deflateClient(t testing.TB, p []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(p)
	w.Flush()
	out := b.Bytes()
	if !bytes.HasSuffix(out, []byte{0, 0, 0xff, 0xff}) {
		t.Fatal("no sync tail")
	}
	return out[:len(out)-4]
}

func inflateClient(t testing.TB, p []byte) []byte {
	r := flate.NewReader(io.MultiReader(bytes.NewReader(p), strings.NewReader("\x00\x00\xff\xff\x01\x00\x00\xff\xff")))
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("inflate: %v", err)
	}
	return out
}

func TestDeflateNegotiation(t *testing.T) {
	const base = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
	tests := []struct {
		offer   string
		enabled bool
		want    string
	}{
		{"permessage-deflate", true, base},
		{"permessage-deflate; client_max_window_bits", true, base},
		{"permessage-deflate; client_no_context_takeover; server_no_context_takeover", true, base},
		{"permessage-deflate; server_max_window_bits=10", true, base + "; server_max_window_bits=10"},
		{"permessage-deflate; server_max_window_bits=16, permessage-deflate; server_max_window_bits=8", true, base + "; server_max_window_bits=8"},
		{"permessage-deflate; unknown=1, permessage-deflate", true, base},
		{"permessage-deflate; server_no_context_takeover; server_no_context_takeover", true, ""},
		{"x-webkit-deflate-frame", true, ""},
		{"permessage-deflate", false, ""},
	}
	for _, tt := range tests {
		var opts []ws.Option
		if tt.enabled {
			opts = append(opts, ws.WithDeflate(ws.DeflateOptions{}))
		}
		f, rec, out := newConn(t, opts...)
		if err := f.feed([]byte(wstest.Request("/", "Sec-WebSocket-Extensions: "+tt.offer))); err != nil {
			t.Fatal(err)
		}
		resp, _ := splitResponse(t, out.Bytes())
		if got := resp.Header.Get("Sec-WebSocket-Extensions"); resp.StatusCode != 101 || got != tt.want {
			t.Errorf("offer %q: status %d, extensions %q, want %q", tt.offer, resp.StatusCode, got, tt.want)
		}
		if rec.events[0].req.Compressed != (tt.want != "") {
			t.Errorf("offer %q: Compressed %v", tt.offer, rec.events[0].req.Compressed)
		}
	}
}

func openDeflate(t testing.TB, offer string, opts ...ws.Option) (*feeder, *recorder, *syncBuffer) {
	t.Helper()
	f, rec, out := newConn(t, append([]ws.Option{ws.WithDeflate(ws.DeflateOptions{Threshold: 64})}, opts...)...)
	if err := f.feed([]byte(wstest.Request("/", "Sec-WebSocket-Extensions: "+offer))); err != nil {
		t.Fatal(err)
	}
	if resp, _ := splitResponse(t, out.Bytes()); resp.Header.Get("Sec-WebSocket-Extensions") == "" {
		t.Fatal("deflate not negotiated")
	}
	out.mu.Lock()
	out.buf.Reset()
	out.writes = 0
	out.mu.Unlock()
	return f, rec, out
}

func TestDeflateRead(t *testing.T) {
	text := []byte(strings.Repeat("compressible κόσμε ", 500))
	z := deflateClient(t, text)
	f, rec, _ := openDeflate(t, "permessage-deflate")
	stream := cat(
		wstest.Frame(1, true, 4, z),                        // compressed, one frame
		wstest.Frame(2, false, 4, z[:10]),                  // compressed, fragmented, RSV1 on the first only
		wstest.Frame(9, true, 0, nil),                      // ping in between
		wstest.Frame(0, true, 0, z[10:]),                   //
		wstest.Frame(1, true, 0, []byte("not compressed")), // RSV1 clear: plain
		wstest.Frame(1, true, 4, deflateClient(t, nil)),    // empty compressed message
	)
	if err := f.feedBytewise(stream); err != nil {
		t.Fatal(err)
	}
	want := []string{"T:" + string(text), "B:" + string(text), "T:not compressed", "T:"}
	if got := rec.messages(); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("messages %d: %.40q", len(got), got)
	}
}

func TestDeflateWrite(t *testing.T) {
	f, _, out := openDeflate(t, "permessage-deflate")
	big := []byte(strings.Repeat("hello world ", 1000))
	if err := f.c.WriteText(big); err != nil {
		t.Fatal(err)
	}
	if err := f.c.WriteText([]byte("short")); err != nil { // below the threshold
		t.Fatal(err)
	}
	fs := frames(t, out.Bytes())
	if len(fs) != 2 || fs[0].Rsv != 4 || len(fs[0].Payload) >= len(big)/10 || fs[1].Rsv != 0 || string(fs[1].Payload) != "short" {
		t.Fatalf("frames %+v", fs)
	}
	if got := inflateClient(t, fs[0].Payload); !bytes.Equal(got, big) {
		t.Fatal("round trip mismatch")
	}
}

func TestDeflateWindowBits(t *testing.T) {
	// With server_max_window_bits=8 only messages of at most 256 bytes may be compressed.
	f, _, out := openDeflate(t, "permessage-deflate; server_max_window_bits=8")
	small := []byte(strings.Repeat("ab", 128))
	large := []byte(strings.Repeat("ab", 129))
	f.c.WriteText(small)
	f.c.WriteText(large)
	fs := frames(t, out.Bytes())
	if fs[0].Rsv != 4 || fs[1].Rsv != 0 || !bytes.Equal(fs[1].Payload, large) {
		t.Fatalf("frames %+v", fs)
	}
	if !bytes.Equal(inflateClient(t, fs[0].Payload), small) {
		t.Fatal("round trip mismatch")
	}
}

func TestDeflateFailures(t *testing.T) {
	bomb := deflateClient(t, make([]byte, 4<<20))
	tests := []struct {
		name string
		data []byte
		code int
		want error
	}{
		{"decompresses past the limit", wstest.Frame(2, true, 4, bomb), 1009, ws.ErrMessageTooBig},
		{"corrupt stream", wstest.Frame(2, true, 4, []byte{0xff, 0xff, 0xff}), 1007, ws.ErrInvalidPayload},
		{"invalid UTF-8 inside", wstest.Frame(1, true, 4, deflateClient(t, []byte("a\xffb"))), 1007, ws.ErrInvalidUTF8},
		{"RSV1 on ping", wstest.Frame(9, true, 4, nil), 1002, ws.ErrProtocol},
		{"RSV2", wstest.Frame(1, true, 2, nil), 1002, ws.ErrProtocol},
	}
	for _, tt := range tests {
		f, _, out := openDeflate(t, "permessage-deflate", ws.WithMaxMessageSize(1<<20))
		err := f.feed(tt.data)
		var ce *ws.CloseError
		if !errors.As(err, &ce) || int(ce.Code) != tt.code || !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v", tt.name, err)
			continue
		}
		if closeCode(frames(t, out.Bytes())) != tt.code {
			t.Errorf("%s: output %x", tt.name, out.Bytes())
		}
	}
}
