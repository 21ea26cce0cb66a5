package framing_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/netman-go/netman/framing"
)

func BenchmarkAppendPack(b *testing.B) {
	for _, size := range []int{64, 1024} {
		payload := make([]byte, size)
		buf := make([]byte, 0, size+framing.DefaultHeaderLen)
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				buf, _ = framing.Default.AppendPack(buf[:0], 1, payload)
			}
		})
	}
}

func BenchmarkPack(b *testing.B) {
	payload := make([]byte, 64)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = framing.Pack(framing.Default, 1, payload)
	}
}

// BenchmarkDecoderFeed decodes 64 messages of 64 bytes per Feed, as after a busy read.
func BenchmarkDecoderFeed(b *testing.B) {
	var msgs []msg
	for i := range 64 {
		msgs = append(msgs, msg{uint32(i), make([]byte, 64)})
	}
	stream := encodeAll(b, framing.Default, msgs)
	for _, mode := range []struct {
		name string
		opts []framing.DecoderOption
	}{
		{"borrowed", nil},
		{"owned", []framing.DecoderOption{framing.WithOwnedPayloads()}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			d := framing.NewDecoder(framing.Default, mode.opts...)
			n := 0
			b.ReportAllocs()
			b.SetBytes(int64(len(stream)))
			for b.Loop() {
				// A capturing closure, as a server would write it: it stays on the stack.
				if err := d.Feed(stream, func(id uint32, p []byte) error { n += len(p); return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecoderFeedSplit feeds a stream of 64-byte messages in 100-byte reads, so most
// reads end inside a message and the decoder keeps and completes partials.
func BenchmarkDecoderFeedSplit(b *testing.B) {
	var msgs []msg
	for i := range 64 {
		msgs = append(msgs, msg{uint32(i), make([]byte, 64)})
	}
	stream := encodeAll(b, framing.Default, msgs)
	d := framing.NewDecoder(nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		for i := 0; i < len(stream); i += 100 {
			if err := d.Feed(stream[i:min(i+100, len(stream))], func(uint32, []byte) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkReadMessage(b *testing.B) {
	stream := mustPack(b, 1, string(make([]byte, 64)))
	r := bytes.NewReader(stream)
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(stream)
		if _, _, err := framing.ReadMessage(r, framing.Default, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteMessage(b *testing.B) {
	payload := make([]byte, 64)
	b.ReportAllocs()
	for b.Loop() {
		if err := framing.WriteMessage(io.Discard, framing.Default, 1, payload); err != nil {
			b.Fatal(err)
		}
	}
}
