package framing_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/netman-go/netman/framing"
)

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
	{"shortid", ShortIDPacker{}},
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
