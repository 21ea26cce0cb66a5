package cluster

import (
	"bytes"
	"testing"
)

func TestWireRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		kind byte
		text bool
		key  string
		data []byte
	}{
		{kindUser, false, "alice", []byte("hi")},
		{kindRoom, true, "lobby", nil},
		{kindBroadcast, false, "", bytes.Repeat([]byte{0}, 300)},
		{kindUser, false, string(bytes.Repeat([]byte("k"), 200)), []byte{1}},
	} {
		b := encode(nil, tc.kind, tc.text, 0xdeadbeef, tc.key, tc.data)
		if len(b) != encodedLen(tc.key, tc.data) {
			t.Fatalf("encodedLen %d, encoded %d", encodedLen(tc.key, tc.data), len(b))
		}
		e, err := decode(b)
		if err != nil || e.kind != tc.kind || e.text != tc.text || e.msgID != 0xdeadbeef || e.key != tc.key || !bytes.Equal(e.data, tc.data) {
			t.Fatalf("decode(encode(%+v)) = %+v, %v", tc, e, err)
		}
	}
}

// FuzzDecode: decode never panics, and what it accepts encodes back to
// the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add(encode(nil, kindUser, false, 1, "alice", []byte("x")))
	f.Add(encode(nil, kindBroadcast, true, 2, "", nil))
	f.Add([]byte{1, 'u', 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decode(b)
		if err != nil {
			return
		}
		if got := encode(nil, e.kind, e.text, e.msgID, e.key, e.data); !bytes.Equal(got, b) {
			// A non-minimal uvarint decodes too; anything else is a bug.
			if len(got) >= len(b) {
				t.Fatalf("decode accepted %x as %+v, which encodes to %x", b, e, got)
			}
		}
	})
}
