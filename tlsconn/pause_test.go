package tlsconn

import (
	"bytes"
	"testing"

	"github.com/netman-go/netman/framing"
)

// TestPauseResumeOverTCP pauses reading after every message, as a server
// with a full work queue does, and resumes from a worker goroutine: every
// message is still answered, in order.
func TestPauseResumeOverTCP(t *testing.T) {
	type job struct {
		c       *Conn
		id      uint32
		payload []byte
	}
	jobs := make(chan job, 256) // never full: the handler pauses after each message
	h := HandlerFuncs{
		Open: func(c *Conn) { c.SetContext(framing.NewDecoder(framing.Default, framing.WithOwnedPayloads())) },
		Data: func(c *Conn, data []byte) (int, error) {
			dec := c.Context().(*framing.Decoder)
			err := dec.Feed(data, func(id uint32, payload []byte) error {
				c.PauseReading() // resumed by the worker once it took the job
				jobs <- job{c, id, payload}
				return nil
			})
			return len(data), err
		},
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case j := <-jobs:
				framing.WriteMessage(j.c, framing.Default, j.id, j.payload)
				j.c.ResumeReading()
			case <-done:
				return
			}
		}
	}()
	ns, _ := startTLS(t, serverConfig(), h, nil)
	c := dialTLS(t, ns.Addr().String(), nil)
	var batch []byte
	for i := 0; i < 200; i++ {
		batch, _ = framing.Default.AppendPack(batch, uint32(i), bytes.Repeat([]byte{byte(i)}, 1+i*37))
	}
	go c.Write(batch)
	for i := 0; i < 200; i++ {
		id, payload, err := framing.ReadMessage(c, framing.Default, 0)
		if err != nil {
			t.Fatal(err)
		}
		if id != uint32(i) || !bytes.Equal(payload, bytes.Repeat([]byte{byte(i)}, 1+i*37)) {
			t.Fatalf("message %d: got id %d, %d bytes", i, id, len(payload))
		}
	}
}
