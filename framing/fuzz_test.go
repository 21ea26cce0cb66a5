package framing_test

import (
	"errors"
	"testing"

	"github.com/netman-go/netman/framing"
)

const fuzzMaxBody = 4096

// chunks cuts data into pieces whose lengths come from splits (0 to 64 bytes each,
// repeating the pattern), so the fuzzer controls where reads end, including empty reads.
func chunks(data, splits []byte) [][]byte {
	var out [][]byte
	for i := 0; len(data) > 0; i++ {
		n := len(data)
		if len(splits) > 0 {
			n = min(int(splits[i%len(splits)])%65, len(data))
		}
		if n == 0 { // an empty read, then at least one byte so the loop ends
			out = append(out, data[:0])
			n = 1
		}
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

// FuzzDecoder feeds arbitrary bytes in arbitrary splits. The Decoder must never panic,
// never keep a buffer larger than the maximum body, and must agree exactly with the
// stateless DecodeMessage run over the whole stream.
func FuzzDecoder(f *testing.F) {
	ok, _ := framing.Pack(framing.Default, 1, []byte("hello"))
	big, _ := framing.Default.AppendHeader(nil, 2, fuzzMaxBody+1)
	f.Add(ok, []byte{3}, false)
	f.Add(append(ok, ok...), []byte{1, 0, 7}, true)
	f.Add(append(ok, big...), []byte{9}, false)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 1}, []byte{}, true)
	f.Fuzz(func(t *testing.T, stream, splits []byte, owned bool) {
		// Reference: the stateless decoder over the whole stream.
		var want []msg
		var wantErr error
		for rest := stream; ; {
			id, p, n, err := framing.DecodeMessage(framing.Default, rest, fuzzMaxBody)
			if err != nil {
				wantErr = err
				break
			}
			if n == 0 {
				break
			}
			want = append(want, msg{id, p})
			rest = rest[n:]
		}

		opts := []framing.DecoderOption{framing.WithMaxBodyLength(fuzzMaxBody)}
		if owned {
			opts = append(opts, framing.WithOwnedPayloads())
		}
		d := framing.NewDecoder(framing.Default, opts...)
		var c collector
		var err error
		for _, ch := range chunks(stream, splits) {
			if err = d.Feed(ch, c.fn); err != nil {
				break
			}
			if bc := framing.BufCap(d); bc > fuzzMaxBody && bc > framing.DefaultHeaderLen {
				t.Fatalf("decoder keeps a %d-byte buffer, max body is %d", bc, fuzzMaxBody)
			}
		}
		if (err == nil) != (wantErr == nil) || (wantErr != nil && !errors.Is(err, framing.ErrBodyTooLarge)) {
			t.Fatalf("Decoder err = %v, DecodeMessage err = %v", err, wantErr)
		}
		sameMessages(t, c.got, want)
	})
}

// FuzzDecoderRoundTrip builds messages from the fuzz input, encodes them with one of the
// packers, feeds the stream in arbitrary splits and requires exactly the same messages back.
func FuzzDecoderRoundTrip(f *testing.F) {
	f.Add([]byte{1, 3, 'a', 'b', 'c', 2, 0}, []byte{5}, uint8(0), false)
	f.Add([]byte{255, 39, 0, 1, 2}, []byte{0, 1}, uint8(1), true)
	f.Add([]byte{7, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 8, 1, 0}, []byte{2, 64}, uint8(2), false)
	f.Fuzz(func(t *testing.T, spec, splits []byte, packer uint8, owned bool) {
		tp := packers[int(packer)%len(packers)]
		var want []msg
		for len(spec) >= 2 {
			id := uint32(spec[0])<<8 | uint32(spec[0]) // fits the 16-bit custom packer
			n := min(int(spec[1])%40, len(spec)-2)
			want = append(want, msg{id, spec[2 : 2+n]})
			spec = spec[2+n:]
		}
		stream := encodeAll(t, tp.p, want)
		var opts []framing.DecoderOption
		if owned {
			opts = append(opts, framing.WithOwnedPayloads())
		}
		d := framing.NewDecoder(tp.p, opts...)
		var c collector
		for _, ch := range chunks(stream, splits) {
			if err := d.Feed(ch, c.fn); err != nil {
				t.Fatal(err)
			}
		}
		sameMessages(t, c.got, want)
		if framing.HoldsBuffer(d) {
			t.Fatal("decoder holds a buffer at the end of a whole stream")
		}
	})
}
