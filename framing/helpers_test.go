package framing_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/netman-go/netman/framing"
)

// shortIDPacker is a custom header layout used by the tests: a 2-byte big-endian id,
// then a 4-byte big-endian body length.
type shortIDPacker struct{}

var errIDTooLarge = errors.New("shortid: id does not fit in 16 bits")

func (shortIDPacker) HeaderLen() int { return 6 }

func (shortIDPacker) AppendPack(dst []byte, id uint32, payload []byte) ([]byte, error) {
	if id > math.MaxUint16 {
		return dst, errIDTooLarge
	}
	if uint64(len(payload)) > math.MaxUint32 {
		return dst, framing.ErrBodyTooLarge
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(id))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	return append(dst, payload...), nil
}

func (shortIDPacker) DecodeHeader(h []byte) (uint32, int, error) {
	return uint32(binary.BigEndian.Uint16(h)), int(binary.BigEndian.Uint32(h[2:])), nil
}

type msg struct {
	id      uint32
	payload []byte
}

func (m msg) String() string { return fmt.Sprintf("{%d %q}", m.id, m.payload) }

var packers = []struct {
	name string
	p    framing.Packer
}{
	{"default", framing.Default},
	{"bigendian", framing.BigEndian},
	{"shortid", shortIDPacker{}},
}

// testMessages returns a mix of sizes, including empty payloads.
func testMessages() []msg {
	return []msg{
		{1, []byte("hello")},
		{0, nil},
		{65535, []byte{0}},
		{7, make([]byte, 300)},
		{2, []byte("x")},
		{3, nil},
		{9, []byte("the last one")},
	}
}

func encodeAll(t testing.TB, p framing.Packer, msgs []msg) []byte {
	t.Helper()
	var b []byte
	for _, m := range msgs {
		var err error
		if b, err = p.AppendPack(b, m.id, m.payload); err != nil {
			t.Fatalf("AppendPack(%d): %v", m.id, err)
		}
	}
	return b
}

// collector records messages, copying borrowed payloads.
type collector struct{ got []msg }

func (c *collector) fn(id uint32, payload []byte) error {
	if payload == nil {
		return errors.New("payload is nil, want a non-nil (possibly empty) slice")
	}
	c.got = append(c.got, msg{id, append([]byte{}, payload...)})
	return nil
}

func sameMessages(t testing.TB, got, want []msg) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].id != want[i].id || string(got[i].payload) != string(want[i].payload) {
			t.Fatalf("message %d: got %v, want %v", i, got[i], want[i])
		}
	}
}
