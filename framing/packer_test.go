package framing_test

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/netman-go/netman/framing"
)

func TestPackGolden(t *testing.T) {
	tests := []struct {
		name    string
		p       framing.Packer
		id      uint32
		payload string
		want    []byte
	}{
		// The seed's util.NewDataPacker(): length LE, then id LE, then payload.
		{"default", framing.Default, 1, "abc", []byte{3, 0, 0, 0, 1, 0, 0, 0, 'a', 'b', 'c'}},
		{"default empty", framing.Default, 0x01020304, "", []byte{0, 0, 0, 0, 4, 3, 2, 1}},
		{"bigendian", framing.BigEndian, 1, "abc", []byte{0, 0, 0, 3, 0, 0, 0, 1, 'a', 'b', 'c'}},
		{"shortid", ShortIDPacker{}, 0x0102, "ab", []byte{1, 2, 0, 0, 0, 2, 'a', 'b'}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := framing.Pack(tt.p, tt.id, []byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("Pack = % x, want % x", got, tt.want)
			}
			if cap(got) != len(tt.want) {
				t.Errorf("Pack cap = %d, want exactly %d", cap(got), len(tt.want))
			}
			id, n, err := tt.p.DecodeHeader(got[:tt.p.HeaderLen()])
			if err != nil || id != tt.id || n != len(tt.payload) {
				t.Fatalf("DecodeHeader = (%d, %d, %v), want (%d, %d, nil)", id, n, err, tt.id, len(tt.payload))
			}
		})
	}
}

func TestConcretePackMethods(t *testing.T) {
	a, err := framing.NewDefaultPacker().Pack(5, []byte("xyz"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := framing.Pack(framing.Default, 5, []byte("xyz"))
	if !bytes.Equal(a, b) {
		t.Fatalf("DefaultPacker.Pack = % x, framing.Pack = % x", a, b)
	}
	c, err := framing.BigEndian.Pack(5, []byte("xyz"))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := framing.Pack(framing.BigEndian, 5, []byte("xyz"))
	if !bytes.Equal(c, d) {
		t.Fatalf("BigEndianPacker.Pack = % x, framing.Pack = % x", c, d)
	}
}

func TestAppendHeaderMatchesAppendPack(t *testing.T) {
	for _, p := range []interface {
		framing.Packer
		framing.HeaderAppender
	}{framing.Default, framing.BigEndian} {
		payload := []byte("payload")
		h, err := p.AppendHeader(nil, 42, len(payload))
		if err != nil {
			t.Fatal(err)
		}
		full, _ := p.AppendPack(nil, 42, payload)
		if !bytes.Equal(append(h, payload...), full) {
			t.Fatalf("%T: header+payload = % x, AppendPack = % x", p, append(h, payload...), full)
		}
	}
}

func TestPackerErrors(t *testing.T) {
	for _, p := range []interface {
		framing.Packer
		framing.HeaderAppender
	}{framing.Default, framing.BigEndian} {
		if _, err := p.AppendHeader(nil, 1, -1); !errors.Is(err, framing.ErrInvalidHeader) {
			t.Errorf("%T.AppendHeader(-1) err = %v, want ErrInvalidHeader", p, err)
		}
		if math.MaxInt > math.MaxUint32 {
			_, err := p.AppendHeader(nil, 1, math.MaxUint32+1)
			if !errors.Is(err, framing.ErrBodyTooLarge) {
				t.Errorf("%T.AppendHeader(2^32) err = %v, want ErrBodyTooLarge", p, err)
			}
		}
		if _, _, err := p.DecodeHeader(make([]byte, 7)); !errors.Is(err, framing.ErrInvalidHeader) {
			t.Errorf("%T.DecodeHeader(7 bytes) err = %v, want ErrInvalidHeader", p, err)
		}
	}
}

func TestAppendPackNoAlloc(t *testing.T) {
	buf := make([]byte, 0, 1024)
	payload := make([]byte, 512)
	for _, tp := range packers {
		allocs := testing.AllocsPerRun(100, func() {
			_, _ = tp.p.AppendPack(buf[:0], 9, payload)
		})
		if allocs != 0 {
			t.Errorf("%s: AppendPack into a large enough buffer allocates %v times", tp.name, allocs)
		}
	}
}
