package framing_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/netman-go/netman/framing"
)

func TestDecoderRoundTrip(t *testing.T) {
	for _, tp := range packers {
		for _, owned := range []bool{false, true} {
			name := tp.name + "/borrowed"
			var opts []framing.DecoderOption
			if owned {
				name = tp.name + "/owned"
				opts = append(opts, framing.WithOwnedPayloads())
			}
			t.Run(name, func(t *testing.T) {
				want := testMessages()
				stream := encodeAll(t, tp.p, want)
				d := framing.NewDecoder(tp.p, opts...)
				var c collector
				if err := d.Feed(stream, c.fn); err != nil {
					t.Fatal(err)
				}
				sameMessages(t, c.got, want)
				if framing.HoldsBuffer(d) {
					t.Fatal("decoder holds a buffer after whole messages")
				}
			})
		}
	}
}

func TestDecoderZeroValue(t *testing.T) {
	var d framing.Decoder
	var c collector
	want := testMessages()
	if err := d.Feed(encodeAll(t, framing.Default, want), c.fn); err != nil {
		t.Fatal(err)
	}
	sameMessages(t, c.got, want)
}

// TestDecoderEverySplit feeds the stream in two parts cut at every byte boundary, in
// three parts cut at every pair of boundaries, and one byte at a time.
func TestDecoderEverySplit(t *testing.T) {
	want := []msg{{1, []byte("hello")}, {0, nil}, {2, []byte("0123456789abcdef")}, {3, []byte("z")}, {4, nil}}
	for _, tp := range packers {
		stream := encodeAll(t, tp.p, want)
		for _, owned := range []bool{false, true} {
			var opts []framing.DecoderOption
			if owned {
				opts = append(opts, framing.WithOwnedPayloads())
			}
			feed := func(parts ...[]byte) {
				t.Helper()
				d := framing.NewDecoder(tp.p, opts...)
				var c collector
				for _, part := range parts {
					// Reuse of the fed slice must not disturb messages already handed out.
					buf := append([]byte(nil), part...)
					if err := d.Feed(buf, c.fn); err != nil {
						t.Fatalf("%s owned=%v: %v", tp.name, owned, err)
					}
					for i := range buf {
						buf[i] = 0xEE
					}
				}
				sameMessages(t, c.got, want)
				if d.Buffered() != 0 || framing.HoldsBuffer(d) {
					t.Fatalf("%s: decoder holds %d bytes at the end of the stream", tp.name, d.Buffered())
				}
			}
			for i := 0; i <= len(stream); i++ {
				for j := i; j <= len(stream); j++ {
					feed(stream[:i], stream[i:j], stream[j:])
				}
			}
			var oneByOne [][]byte
			for i := range stream {
				oneByOne = append(oneByOne, stream[i:i+1])
			}
			feed(oneByOne...)
		}
	}
}

func TestDecoderCoalesced(t *testing.T) {
	var want []msg
	for i := range 50 {
		want = append(want, msg{uint32(i), []byte(strings.Repeat("m", i))})
	}
	stream := encodeAll(t, framing.Default, want)
	d := framing.NewDecoder(nil)
	var c collector
	if err := d.Feed(stream, c.fn); err != nil {
		t.Fatal(err)
	}
	sameMessages(t, c.got, want)

	// The same 50 messages plus half of a 51st: the half is kept, then completed.
	extra, _ := framing.Pack(framing.Default, 50, []byte("fifty-one"))
	c.got = nil
	if err := d.Feed(append(append([]byte{}, stream...), extra[:5]...), c.fn); err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 50 || d.Buffered() != 5 {
		t.Fatalf("got %d messages with %d bytes buffered, want 50 and 5", len(c.got), d.Buffered())
	}
	if err := d.Feed(extra[5:], c.fn); err != nil {
		t.Fatal(err)
	}
	sameMessages(t, c.got, append(want, msg{50, []byte("fifty-one")}))
}

func TestDecoderZeroLengthPayload(t *testing.T) {
	stream := encodeAll(t, framing.Default, []msg{{7, nil}, {8, nil}})
	for _, owned := range []bool{false, true} {
		d := framing.NewDecoder(nil)
		if owned {
			d = framing.NewDecoder(nil, framing.WithOwnedPayloads())
		}
		for split := 0; split <= len(stream); split++ {
			var ids []uint32
			fn := func(id uint32, p []byte) error {
				if p == nil || len(p) != 0 {
					t.Fatalf("payload = %#v, want empty non-nil", p)
				}
				ids = append(ids, id)
				return nil
			}
			if err := d.Feed(stream[:split], fn); err != nil {
				t.Fatal(err)
			}
			if err := d.Feed(stream[split:], fn); err != nil {
				t.Fatal(err)
			}
			if len(ids) != 2 || ids[0] != 7 || ids[1] != 8 {
				t.Fatalf("owned=%v split=%d: ids %v, want [7 8]", owned, split, ids)
			}
		}
	}
}

func TestDecoderMaxBody(t *testing.T) {
	const limit = 1 << 20
	huge, _ := framing.Default.AppendHeader(nil, 3, 1<<30) // 1 GiB declared, never sent
	tests := []struct {
		name  string
		parts [][]byte
	}{
		{"whole header", [][]byte{huge}},
		{"split header", [][]byte{huge[:3], huge[3:]}},
		{"after a good message", [][]byte{append(mustPack(t, 1, "ok"), huge...)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := framing.NewDecoder(framing.Default, framing.WithMaxBodyLength(limit))
			var err error
			for _, p := range tt.parts {
				if err = d.Feed(p, func(uint32, []byte) error { return nil }); err != nil {
					break
				}
			}
			if !errors.Is(err, framing.ErrBodyTooLarge) {
				t.Fatalf("err = %v, want ErrBodyTooLarge", err)
			}
			var e *framing.BodyTooLargeError
			if !errors.As(err, &e) || e.Length != 1<<30 || e.Limit != limit || e.ID != 3 {
				t.Fatalf("err = %#v, want length 2^30, limit 2^20, id 3", err)
			}
			for _, s := range []string{"framing: body too large", "1073741824", "1048576"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if framing.HoldsBuffer(d) {
				t.Fatal("decoder holds a buffer after refusing a body")
			}
		})
	}

	// Refusing must not allocate anything for the body: the only allocation is the error.
	d := framing.NewDecoder(framing.Default, framing.WithMaxBodyLength(limit))
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	allocs := testing.AllocsPerRun(100, func() {
		if err := d.Feed(huge, nil); err == nil {
			t.Fatal("no error")
		}
	})
	runtime.ReadMemStats(&ms1)
	if allocs > 1 {
		t.Errorf("refusing an oversized header allocates %v times per call, want at most 1 (the error)", allocs)
	}
	if perRun := (ms1.TotalAlloc - ms0.TotalAlloc) / 101; perRun > 1024 {
		t.Errorf("refusing an oversized header allocates %d bytes per call", perRun)
	}
}

func TestDecoderAtMaxBody(t *testing.T) {
	d := framing.NewDecoder(nil, framing.WithMaxBodyLength(5))
	var c collector
	if err := d.Feed(mustPack(t, 1, "12345"), c.fn); err != nil {
		t.Fatalf("body of exactly the limit refused: %v", err)
	}
	if err := d.Feed(mustPack(t, 1, "123456"), c.fn); !errors.Is(err, framing.ErrBodyTooLarge) {
		t.Fatalf("err = %v, want ErrBodyTooLarge", err)
	}
}

func TestDecoderCallbackError(t *testing.T) {
	stop := errors.New("stop")
	stream := encodeAll(t, framing.Default, testMessages())
	for _, split := range []int{len(stream), 10} { // whole, and with the second message completing a partial
		d := framing.NewDecoder(nil)
		n := 0
		fn := func(uint32, []byte) error {
			n++
			if n == 2 {
				return stop
			}
			return nil
		}
		err := d.Feed(stream[:split], fn)
		if err == nil {
			err = d.Feed(stream[split:], fn)
		}
		if !errors.Is(err, stop) || n != 2 {
			t.Fatalf("split %d: err = %v after %d messages, want stop after 2", split, err, n)
		}
		if framing.HoldsBuffer(d) {
			t.Fatalf("split %d: decoder holds a buffer after a callback error", split)
		}
	}
}

type brokenPacker struct {
	hlen int
	err  error
	n    int
}

func (b brokenPacker) HeaderLen() int                                          { return b.hlen }
func (b brokenPacker) AppendPack(d []byte, _ uint32, _ []byte) ([]byte, error) { return d, nil }
func (b brokenPacker) DecodeHeader([]byte) (uint32, int, error)                { return 0, b.n, b.err }

func TestDecoderPackerErrors(t *testing.T) {
	custom := errors.New("bad magic")
	tests := []struct {
		name string
		p    brokenPacker
		want error
	}{
		{"zero header length", brokenPacker{hlen: 0}, framing.ErrInvalidHeader},
		{"negative body length", brokenPacker{hlen: 4, n: -1}, framing.ErrInvalidHeader},
		{"packer error passed through", brokenPacker{hlen: 4, err: custom}, custom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := framing.NewDecoder(tt.p)
			err := d.Feed([]byte{1, 2, 3, 4, 5}, func(uint32, []byte) error { return nil })
			if !errors.Is(err, tt.want) {
				t.Fatalf("Feed err = %v, want %v", err, tt.want)
			}
			if _, _, _, err := framing.DecodeMessage(tt.p, []byte{1, 2, 3, 4, 5}, 0); !errors.Is(err, tt.want) {
				t.Fatalf("DecodeMessage err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDecoderBorrowedPayloadCapacity(t *testing.T) {
	stream := encodeAll(t, framing.Default, []msg{{1, []byte("ab")}, {2, []byte("cd")}})
	d := framing.NewDecoder(nil)
	var second string
	err := d.Feed(stream, func(id uint32, p []byte) error {
		if id == 1 {
			_ = append(p, "XXXXXXXXXXXX"...) // must not write into the next message
		} else {
			second = string(p)
		}
		return nil
	})
	if err != nil || second != "cd" {
		t.Fatalf("second payload = %q, err %v; want \"cd\"", second, err)
	}
}

func TestDecoderOwnedPayloadsSurvive(t *testing.T) {
	stream := encodeAll(t, framing.Default, testMessages())
	d := framing.NewDecoder(nil, framing.WithOwnedPayloads())
	var kept []msg
	for i := 0; i < len(stream); i += 4 {
		chunk := append([]byte(nil), stream[i:min(i+4, len(stream))]...)
		if err := d.Feed(chunk, func(id uint32, p []byte) error {
			kept = append(kept, msg{id, p}) // kept without copying
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		clear(chunk)
	}
	whole := append([]byte(nil), stream...)
	if err := d.Feed(whole, func(id uint32, p []byte) error {
		kept = append(kept, msg{id, p})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	clear(whole)
	sameMessages(t, kept, append(testMessages(), testMessages()...))
}

func TestDecoderReset(t *testing.T) {
	d := framing.NewDecoder(nil)
	b := mustPack(t, 1, "abcdef")
	if err := d.Feed(b[:10], nil); err != nil {
		t.Fatal(err)
	}
	if d.Buffered() != 2 {
		t.Fatalf("Buffered = %d, want 2", d.Buffered())
	}
	d.Reset()
	if framing.HoldsBuffer(d) {
		t.Fatal("buffer kept after Reset")
	}
	var c collector
	if err := d.Feed(b, c.fn); err != nil {
		t.Fatal(err)
	}
	sameMessages(t, c.got, []msg{{1, []byte("abcdef")}})
}

// TestDecoderSize guards the per-connection cost of an idle decoder.
func TestDecoderSize(t *testing.T) {
	if s := unsafe.Sizeof(framing.Decoder{}); s > 64 {
		t.Fatalf("Decoder is %d bytes, want at most 64", s)
	}
}

// TestDecoderBodyBufferExact checks that a partial body is kept in a buffer of its exact size.
func TestDecoderBodyBufferExact(t *testing.T) {
	d := framing.NewDecoder(nil)
	b := mustPack(t, 1, strings.Repeat("q", 1000))
	if err := d.Feed(b[:100], nil); err != nil {
		t.Fatal(err)
	}
	if c := framing.BufCap(d); c != 1000 {
		t.Fatalf("body buffer cap = %d, want exactly 1000", c)
	}
	if err := d.Feed(b[:3], nil); err != nil { // more body bytes, not a header
		t.Fatal(err)
	}
	if d.Buffered() != 95 {
		t.Fatalf("Buffered = %d, want 95", d.Buffered())
	}
}

func TestDecodeMessage(t *testing.T) {
	two := append(mustPack(t, 1, "abc"), mustPack(t, 2, "")...)
	tests := []struct {
		name    string
		data    []byte
		maxBody uint32
		wantID  uint32
		wantP   string
		wantN   int
		wantErr error
	}{
		{"empty", nil, 0, 0, "", 0, nil},
		{"partial header", two[:7], 0, 0, "", 0, nil},
		{"partial body", two[:10], 0, 0, "", 0, nil},
		{"first of two", two, 0, 1, "abc", 11, nil},
		{"zero body", two[11:], 0, 2, "", 8, nil},
		{"too large", two, 2, 1, "", 0, framing.ErrBodyTooLarge},
		{"too large before body arrives", two[:8], 2, 1, "", 0, framing.ErrBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, p, n, err := framing.DecodeMessage(framing.Default, tt.data, tt.maxBody)
			if !errors.Is(err, tt.wantErr) || id != tt.wantID || string(p) != tt.wantP || n != tt.wantN {
				t.Fatalf("got (%d, %q, %d, %v), want (%d, %q, %d, %v)", id, p, n, err, tt.wantID, tt.wantP, tt.wantN, tt.wantErr)
			}
			if n > 0 && cap(p) != len(p) {
				t.Fatalf("payload cap %d > len %d", cap(p), len(p))
			}
		})
	}
}

func TestDecoderNoAllocSteadyState(t *testing.T) {
	stream := encodeAll(t, framing.Default, testMessages())
	d := framing.NewDecoder(nil)
	total := 0
	allocs := testing.AllocsPerRun(100, func() {
		_ = d.Feed(stream, func(_ uint32, p []byte) error { total += len(p); return nil })
	})
	if allocs != 0 {
		t.Fatalf("borrowed Feed of whole messages allocates %v times", allocs)
	}
}

func mustPack(t testing.TB, id uint32, payload string) []byte {
	t.Helper()
	b, err := framing.Pack(framing.Default, id, []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecoderIdle(t *testing.T) {
	d := framing.NewDecoder(framing.Default)
	if !d.Idle() {
		t.Fatal("new decoder not idle")
	}
	msg, _ := framing.Default.Pack(7, []byte("body"))
	var got []string
	feed := func(b []byte) {
		if err := d.Feed(b, func(id uint32, p []byte) error { got = append(got, string(p)); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	feed(msg[:8]) // the header alone: nothing buffered, but not idle
	if d.Idle() || d.Buffered() != 0 {
		t.Fatalf("after a header: Idle %v, Buffered %d; want false, 0", d.Idle(), d.Buffered())
	}
	feed(msg[8:])
	if !d.Idle() || len(got) != 1 || got[0] != "body" {
		t.Fatalf("after the body: Idle %v, got %q", d.Idle(), got)
	}
}
