package ws_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/netman-go/netman/ws"
)

func TestConcurrentWritesDoNotInterleave(t *testing.T) {
	t.Run("plain", func(t *testing.T) {
		f, _, out := openConn(t)
		concurrentWrites(t, f, out)
	})
	t.Run("deflate", func(t *testing.T) {
		f, _, out := openDeflate(t, "permessage-deflate")
		concurrentWrites(t, f, out)
	})
}

func concurrentWrites(t *testing.T, f *feeder, out *syncBuffer) {
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				size := []int{3, 200, 70000}[i%3] // all three length encodings
				msg := bytes.Repeat([]byte{byte('a' + w)}, size)
				var err error
				if i%2 == 0 {
					err = f.c.WriteText(msg)
				} else {
					err = f.c.WriteBinary(msg)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	fs := frames(t, out.Bytes())
	if len(fs) != writers*each || out.writes != writers*each {
		t.Fatalf("%d frames in %d writes, want %d", len(fs), out.writes, writers*each)
	}
	for _, fr := range fs {
		if fr.Rsv == 4 {
			fr.Payload, fr.Rsv = inflateClient(t, fr.Payload), 0
		}
		if !fr.Fin || fr.Rsv != 0 || (fr.Op != 1 && fr.Op != 2) || len(bytes.Trim(fr.Payload, string(fr.Payload[:1]))) != 0 {
			t.Fatalf("corrupt frame fin=%v op=%d len=%d", fr.Fin, fr.Op, len(fr.Payload))
		}
	}
}

func TestWriteMessageRejectsControlOpcodes(t *testing.T) {
	f, _, _ := openConn(t)
	for _, op := range []ws.OpCode{ws.OpClose, ws.OpPing, ws.OpPong, 0, 3} {
		if err := f.c.WriteMessage(op, nil); err != ws.ErrInvalidOpCode {
			t.Errorf("op %d: %v", op, err)
		}
	}
}

func TestCloseRacingWrites(t *testing.T) {
	// Whatever the interleaving, no data frame may follow the close frame on the wire.
	for round := 0; round < 50; round++ {
		f, _, out := openConn(t)
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					_ = f.c.WriteText([]byte(fmt.Sprint(i)))
				}
			}()
		}
		_ = f.c.Close(ws.StatusNormalClosure, "")
		wg.Wait()
		fs := frames(t, out.Bytes())
		if fs[len(fs)-1].Op != byte(ws.OpClose) {
			t.Fatalf("round %d: frame after close", round)
		}
	}
}
