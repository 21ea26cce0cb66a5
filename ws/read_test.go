package ws_test

import (
	"bytes"
	"errors"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/netman-go/netman/ws"
	"github.com/netman-go/netman/ws/internal/wstest"
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestFramesSplitAtEveryBoundary(t *testing.T) {
	stream := cat(
		wstest.Frame(1, true, 0, []byte("hello")),
		wstest.Frame(2, true, 0, bytes.Repeat([]byte{0xab}, 300)), // 16-bit length
		wstest.Frame(9, true, 0, []byte("ping!")),
		wstest.Frame(1, false, 0, []byte("frag")),
		wstest.Frame(9, true, 0, nil),
		wstest.Frame(0, false, 0, []byte("men")),
		wstest.Frame(10, true, 0, []byte("unsolicited")),
		wstest.Frame(0, true, 0, []byte("ted κόσμε")),
		wstest.Frame(1, true, 0, nil),
		wstest.Frame(8, true, 0, wstest.ClosePayload(1000, "bye")),
	)
	want := []string{"T:hello", "B:" + strings.Repeat("\xab", 300), "T:fragmented κόσμε", "T:"}
	wantOut := cat(
		[]byte{0x8a, 5}, []byte("ping!"), []byte{0x8a, 0}, []byte{0x88, 2, 0x03, 0xe8},
	)
	for k := 0; k <= len(stream); k++ {
		f, rec, out := openConn(t)
		s := append([]byte(nil), stream...) // Feed unmasks in place
		err := f.feed(s[:k], s[k:])
		var ce *ws.CloseError
		if !errors.As(err, &ce) || !errors.Is(err, ws.ErrClosed) || ce.Code != 1000 || ce.Reason != "bye" {
			t.Fatalf("split %d: err %v", k, err)
		}
		if got := rec.messages(); !reflect.DeepEqual(got, want) {
			t.Fatalf("split %d: messages %q", k, got)
		}
		if !bytes.Equal(out.Bytes(), wantOut) {
			t.Fatalf("split %d: output %x, want %x", k, out.Bytes(), wantOut)
		}
		if last := rec.events[len(rec.events)-1]; last.kind != "close" || last.code != 1000 || last.reason != "bye" {
			t.Fatalf("split %d: last event %+v", k, last)
		}
	}
	// And one byte at a time.
	f, rec, _ := openConn(t)
	if err := f.feedBytewise(append([]byte(nil), stream...)); !errors.Is(err, ws.ErrClosed) {
		t.Fatal(err)
	}
	if got := rec.messages(); !reflect.DeepEqual(got, want) {
		t.Fatalf("bytewise: messages %q", got)
	}
}

func TestLargeMessagesRandomChunks(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	big := make([]byte, 200000) // 64-bit length
	rnd.Read(big)
	text := []byte(strings.Repeat("añ€😀", 20000))
	stream := cat(
		wstest.Frame(2, true, 0, big),
		wstest.Frame(1, false, 0, text[:33333]),
		wstest.Frame(9, true, 0, []byte("p")),
		wstest.Frame(0, true, 0, text[33333:]),
	)
	for round := 0; round < 5; round++ {
		f, rec, _ := openConn(t, ws.WithMaxMessageSize(1<<20))
		s := append([]byte(nil), stream...)
		for len(s) > 0 {
			k := 1 + rnd.Intn(min(len(s), 70000))
			if err := f.feed(s[:k]); err != nil {
				t.Fatal(err)
			}
			s = s[k:]
		}
		if got := rec.messages(); len(got) != 2 || got[0] != "B:"+string(big) || got[1] != "T:"+string(text) {
			t.Fatalf("round %d: %d messages", round, len(got))
		}
	}
}

func TestProtocolViolations(t *testing.T) {
	text := func(s string) []byte { return wstest.Frame(1, true, 0, []byte(s)) }
	closeWith := func(code uint16, reason string) []byte {
		return wstest.Frame(8, true, 0, wstest.ClosePayload(code, reason))
	}
	big64 := append([]byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0}, wstest.Mask[:]...)
	tests := []struct {
		name string
		data []byte
		code int
		want error
		msgs int // messages delivered before the failure
		opts []ws.Option
	}{
		{"unmasked text", wstest.UnmaskedFrame(1, true, []byte("x")), 1002, ws.ErrProtocol, 0, nil},
		{"RSV1 without extension", wstest.Frame(1, true, 4, []byte("x")), 1002, ws.ErrProtocol, 0, nil},
		{"RSV2", wstest.Frame(1, true, 2, []byte("x")), 1002, ws.ErrProtocol, 0, nil},
		{"RSV3 on ping", wstest.Frame(9, true, 1, nil), 1002, ws.ErrProtocol, 0, nil},
		{"RSV1 on continuation with deflate", cat(wstest.Frame(1, false, 4, nil), wstest.Frame(0, true, 4, nil)), 1002, ws.ErrProtocol, 0,
			[]ws.Option{ws.WithDeflate(ws.DeflateOptions{})}},
		{"opcode 3", wstest.Frame(3, true, 0, nil), 1002, ws.ErrProtocol, 0, nil},
		{"opcode 7", cat(text("ok"), wstest.Frame(7, true, 0, []byte("x"))), 1002, ws.ErrProtocol, 1, nil},
		{"opcode 0xB", wstest.Frame(11, true, 0, nil), 1002, ws.ErrProtocol, 0, nil},
		{"opcode 0xF", wstest.Frame(15, true, 0, []byte("x")), 1002, ws.ErrProtocol, 0, nil},
		{"ping 126 bytes", wstest.Frame(9, true, 0, make([]byte, 126)), 1002, ws.ErrProtocol, 0, nil},
		{"fragmented ping", wstest.Frame(9, false, 0, []byte("a")), 1002, ws.ErrProtocol, 0, nil},
		{"fragmented close", wstest.Frame(8, false, 0, nil), 1002, ws.ErrProtocol, 0, nil},
		{"continuation without start", wstest.Frame(0, true, 0, []byte("x")), 1002, ws.ErrProtocol, 0, nil},
		{"unfinished continuation without start", wstest.Frame(0, false, 0, []byte("x")), 1002, ws.ErrProtocol, 0, nil},
		{"text during fragmented message", cat(wstest.Frame(1, false, 0, []byte("a")), text("b")), 1002, ws.ErrProtocol, 0, nil},
		{"binary during fragmented message", cat(wstest.Frame(2, false, 0, []byte("a")), wstest.Frame(2, false, 0, nil)), 1002, ws.ErrProtocol, 0, nil},
		{"64-bit length with MSB set", big64, 1002, ws.ErrProtocol, 0, nil},
		{"close with 1-byte payload", wstest.Frame(8, true, 0, []byte{3}), 1002, ws.ErrProtocol, 0, nil},
		{"close code 0", closeWith(0, ""), 1002, ws.ErrProtocol, 0, nil},
		{"close code 999", closeWith(999, ""), 1002, ws.ErrProtocol, 0, nil},
		{"close code 1004", closeWith(1004, ""), 1002, ws.ErrProtocol, 0, nil},
		{"close code 1005", closeWith(1005, ""), 1002, ws.ErrProtocol, 0, nil},
		{"close code 1006", closeWith(1006, ""), 1002, ws.ErrProtocol, 0, nil},
		{"close code 1015", closeWith(1015, ""), 1002, ws.ErrProtocol, 0, nil},
		{"close code 1016", closeWith(1016, ""), 1002, ws.ErrProtocol, 0, nil},
		{"close code 2999", closeWith(2999, ""), 1002, ws.ErrProtocol, 0, nil},
		{"close code 5000", closeWith(5000, ""), 1002, ws.ErrProtocol, 0, nil},
		{"close code 65535", closeWith(65535, ""), 1002, ws.ErrProtocol, 0, nil},
		{"close reason invalid UTF-8", closeWith(1000, "a\xff"), 1007, ws.ErrInvalidUTF8, 0, nil},
		{"text invalid UTF-8", text("a\xc0\xafb"), 1007, ws.ErrInvalidUTF8, 0, nil},
		{"text surrogate", text("\xed\xa0\x80"), 1007, ws.ErrInvalidUTF8, 0, nil},
		{"text truncated code point", text("a\xe2\x82"), 1007, ws.ErrInvalidUTF8, 0, nil},
		{"fragmented text truncated code point", cat(wstest.Frame(1, false, 0, []byte("a")), wstest.Frame(0, true, 0, []byte("\xf0\x9f"))), 1007, ws.ErrInvalidUTF8, 0, nil},
		{"too big single frame", wstest.Frame(2, true, 0, make([]byte, 101)), 1009, ws.ErrMessageTooBig, 0, []ws.Option{ws.WithMaxMessageSize(100)}},
		{"too big fragments", cat(wstest.Frame(2, false, 0, make([]byte, 60)), wstest.Frame(0, true, 0, make([]byte, 41))), 1009, ws.ErrMessageTooBig, 0,
			[]ws.Option{ws.WithMaxMessageSize(100)}},
		{"huge length claimed", cat(wstest.Frame(2, true, 0, nil)[:1], []byte{0xff, 0, 0, 0, 1, 0, 0, 0, 0}, wstest.Mask[:]), 1009, ws.ErrMessageTooBig, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, bytewise := range []bool{false, true} {
				f, rec, out := openConn(t, tt.opts...)
				data := append([]byte(nil), tt.data...)
				var err error
				if bytewise {
					err = f.feedBytewise(data)
				} else {
					err = f.feed(data)
				}
				var ce *ws.CloseError
				if !errors.As(err, &ce) || int(ce.Code) != tt.code || !errors.Is(err, tt.want) || errors.Is(err, ws.ErrClosed) {
					t.Fatalf("bytewise=%v: err %v, want %v with code %d", bytewise, err, tt.want, tt.code)
				}
				fs := frames(t, out.Bytes())
				if len(fs) != 1 || closeCode(fs) != tt.code {
					t.Fatalf("bytewise=%v: output frames %+v", bytewise, fs)
				}
				if got := len(rec.messages()); got != tt.msgs {
					t.Fatalf("bytewise=%v: %d messages delivered", bytewise, got)
				}
				if n, err := f.c.Feed(wstest.Frame(1, true, 0, []byte("x"))); n != 0 || !errors.Is(err, ws.ErrClosed) {
					t.Fatalf("Feed after failure: %d, %v", n, err)
				}
			}
		})
	}
}

func TestValidCloseCodesEchoed(t *testing.T) {
	for _, code := range []uint16{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999} {
		f, rec, out := openConn(t)
		err := f.feed(wstest.Frame(8, true, 0, wstest.ClosePayload(code, "reason ✓")))
		var ce *ws.CloseError
		if !errors.As(err, &ce) || !errors.Is(err, ws.ErrClosed) || uint16(ce.Code) != code || ce.Reason != "reason ✓" {
			t.Fatalf("code %d: err %v", code, err)
		}
		if fs := frames(t, out.Bytes()); len(fs) != 1 || closeCode(fs) != int(code) || len(fs[0].Payload) != 2 {
			t.Fatalf("code %d: reply %+v", code, fs)
		}
		if e := rec.events[len(rec.events)-1]; e.kind != "close" || uint16(e.code) != code || e.reason != "reason ✓" {
			t.Fatalf("code %d: event %+v", code, e)
		}
	}
}

func TestCloseWithoutCode(t *testing.T) {
	f, rec, out := openConn(t)
	err := f.feed(wstest.Frame(8, true, 0, nil))
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusNoStatusRcvd || !errors.Is(err, ws.ErrClosed) {
		t.Fatalf("err %v", err)
	}
	if !bytes.Equal(out.Bytes(), []byte{0x88, 0}) {
		t.Fatalf("reply %x", out.Bytes())
	}
	if e := rec.events[len(rec.events)-1]; e.code != ws.StatusNoStatusRcvd {
		t.Fatalf("event %+v", e)
	}
}

func TestUTF8SplitInsideCodePoint(t *testing.T) {
	// Every split of "κόσμε😀€" into two fragments, including inside multi-byte code points, is valid.
	s := []byte("κόσμε😀€")
	for k := 0; k <= len(s); k++ {
		f, rec, _ := openConn(t)
		data := cat(wstest.Frame(1, false, 0, s[:k]), wstest.Frame(0, true, 0, s[k:]))
		if err := f.feedBytewise(data); err != nil {
			t.Fatalf("split %d: %v", k, err)
		}
		if got := rec.messages(); len(got) != 1 || got[0] != "T:"+string(s) {
			t.Fatalf("split %d: %q", k, got)
		}
	}
}

func TestUTF8FailsFast(t *testing.T) {
	t.Run("inside one frame", func(t *testing.T) {
		f, _, out := openConn(t)
		payload := []byte("valid prefix \xf4\x90\x80\x80 and the rest never arrives")
		fr := wstest.Frame(1, true, 0, payload)
		hl := len(fr) - len(payload)
		// Header plus the bytes up to the first invalid one: still fine.
		if err := f.feed(fr[:hl+13+1]); err != nil {
			t.Fatalf("valid prefix rejected: %v", err)
		}
		// The second byte of the sequence makes it invalid: close 1007 right away.
		if err := f.feed(fr[hl+14 : hl+15]); !errors.Is(err, ws.ErrInvalidUTF8) {
			t.Fatalf("err %v", err)
		}
		if closeCode(frames(t, out.Bytes())) != 1007 {
			t.Fatalf("output %x", out.Bytes())
		}
	})
	t.Run("second fragment", func(t *testing.T) {
		f, _, _ := openConn(t)
		if err := f.feed(wstest.Frame(1, false, 0, []byte("κό\xce"))); err != nil {
			t.Fatal(err)
		}
		// 0x41 cannot continue 0xce: invalid before the message is finished.
		if err := f.feed(wstest.Frame(0, false, 0, []byte("Aμε"))); !errors.Is(err, ws.ErrInvalidUTF8) {
			t.Fatalf("err %v", err)
		}
	})
}

func TestServerInitiatedClose(t *testing.T) {
	f, rec, out := openConn(t)
	if err := f.c.Close(ws.StatusGoingAway, strings.Repeat("é", 100)); err != nil {
		t.Fatal(err)
	}
	fs := frames(t, out.Bytes())
	if len(fs) != 1 || closeCode(fs) != 1001 || len(fs[0].Payload) != 124 { // 2 + 61 "é" (truncated at a rune)
		t.Fatalf("close frame %+v (len %d)", fs, len(fs[0].Payload))
	}
	if err := f.c.WriteText([]byte("late")); !errors.Is(err, ws.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
	if err := f.c.Close(ws.StatusNormalClosure, ""); !errors.Is(err, ws.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	// Messages and pings arriving before the peer's close are not delivered or answered.
	err := f.feed(cat(wstest.Frame(1, true, 0, []byte("ignored")), wstest.Frame(9, true, 0, nil),
		wstest.Frame(8, true, 0, wstest.ClosePayload(1001, ""))))
	if !errors.Is(err, ws.ErrClosed) {
		t.Fatalf("err %v", err)
	}
	if len(rec.messages()) != 0 || len(frames(t, out.Bytes())) != 1 {
		t.Fatalf("messages %q, output %x", rec.messages(), out.Bytes())
	}
	if err := f.c.Close(5000, ""); !errors.Is(err, ws.ErrInvalidCloseCode) {
		t.Fatalf("invalid code: %v", err)
	}
}

func TestPingPong(t *testing.T) {
	f, rec, out := openConn(t)
	if err := f.c.Ping([]byte("hb")); err != nil {
		t.Fatal(err)
	}
	if err := f.c.Ping(make([]byte, 126)); !errors.Is(err, ws.ErrControlTooLong) {
		t.Fatalf("long ping: %v", err)
	}
	if err := f.feed(cat(wstest.Frame(10, true, 0, []byte("hb")), wstest.Frame(9, true, 0, bytes.Repeat([]byte("x"), 125)))); err != nil {
		t.Fatal(err)
	}
	fs := frames(t, out.Bytes())
	if len(fs) != 2 || fs[0].Op != 9 || string(fs[0].Payload) != "hb" || fs[1].Op != 10 || len(fs[1].Payload) != 125 {
		t.Fatalf("frames %+v", fs)
	}
	if e := rec.events[len(rec.events)-1]; e.kind != "pong" || e.data != "hb" {
		t.Fatalf("event %+v", e)
	}
}
