package framing_test

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/netman-go/netman/framing"
)

// TestDecoderLargeMessage feeds a 100 MiB message (the seed client's size) in 64 KiB
// chunks and checks that it comes out intact and costs about one copy of extra memory:
// the body buffer is allocated once, to its exact size, as soon as the header is known.
func TestDecoderLargeMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 200+ MiB")
	}
	const size = 100 << 20
	const chunk = 64 << 10
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	stream, err := framing.Pack(framing.Default, 77, payload)
	if err != nil {
		t.Fatal(err)
	}
	// A small message right behind the large one, in the same chunk, must come out too.
	stream, _ = framing.Default.AppendPack(stream, 78, []byte("tail"))

	for _, owned := range []bool{false, true} {
		var opts []framing.DecoderOption
		if owned {
			opts = append(opts, framing.WithOwnedPayloads())
		}
		d := framing.NewDecoder(framing.Default, append(opts, framing.WithMaxBodyLength(size))...)
		var got []uint32
		var gotLarge []byte
		fn := func(id uint32, p []byte) error {
			got = append(got, id)
			if id == 77 {
				if !bytes.Equal(p, payload) {
					t.Fatal("large payload corrupted")
				}
				if owned {
					gotLarge = p
				}
			}
			return nil
		}
		got = make([]uint32, 0, 4)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := 0; i < len(stream); i += chunk {
			if err := d.Feed(stream[i:min(i+chunk, len(stream))], fn); err != nil {
				t.Fatal(err)
			}
		}
		runtime.ReadMemStats(&after)
		if len(got) != 2 || got[0] != 77 || got[1] != 78 {
			t.Fatalf("owned=%v: got ids %v, want [77 78]", owned, got)
		}
		extra := after.TotalAlloc - before.TotalAlloc
		t.Logf("owned=%v: allocated %.2f MiB to decode a %d MiB message", owned, float64(extra)/(1<<20), size>>20)
		if extra > size*3/2 {
			t.Errorf("owned=%v: decoding allocated %d bytes, want under 1.5x the %d-byte message", owned, extra, size)
		}
		if extra < size {
			t.Errorf("owned=%v: allocated %d bytes, less than the message: the test measures nothing", owned, extra)
		}
		if framing.HoldsBuffer(d) {
			t.Fatal("decoder keeps the large buffer after the message completed")
		}
		runtime.KeepAlive(gotLarge)
	}
}
