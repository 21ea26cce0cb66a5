package loadgen

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netman-go/netman/benchmarks/internal/proc"
)

// SlowResult is the outcome of the slow-reader scenario: one connection
// writes Size bytes as Messages messages while it reads the echo back at a
// fixed rate. A server that drops replies or closes the connection is not a
// failed run: Received, Lost and Ending say what came back.
type SlowResult struct {
	// Size is the payload sent, in bytes (headers not counted).
	Size int `json:"size"`
	// MsgSize is each message's payload size.
	MsgSize int `json:"msg_size"`
	// Messages is the number of messages written.
	Messages int `json:"messages"`
	// Rate is the reader's pace in bytes per second, ReadSize bytes per read.
	Rate int `json:"rate"`
	// ReadSize is the size of each read.
	ReadSize int `json:"read_size"`
	// Received is the number of replies that came back whole and intact.
	Received int `json:"received"`
	// Lost is Messages - Received: replies that never came back.
	Lost int `json:"lost"`
	// Corrupt is set when the echo stream held bytes that were not a reply
	// sent (a shifted, truncated or altered message): reading stopped there.
	Corrupt bool `json:"corrupt,omitempty"`
	// Ending is how the read side ended when not every reply came back: the
	// server closed or reset the connection, or nothing arrived for the idle
	// timeout after the last write. Empty when every reply came back.
	Ending string `json:"ending,omitempty"`
	// WriteError is the writer's error, if the server stopped accepting
	// bytes (a closed connection).
	WriteError string `json:"write_error,omitempty"`
	// Elapsed runs from the first byte written to the last byte read.
	Elapsed time.Duration `json:"elapsed"`
	// HWMBefore is the server's VmHWM (peak RSS) before the first message.
	HWMBefore int64 `json:"hwm_before"`
	// HWM is the server's VmHWM after the last reply.
	HWM int64 `json:"hwm"`
}

// Intact reports whether every reply came back whole and unaltered.
func (r *SlowResult) Intact() bool {
	return r.Lost == 0 && !r.Corrupt && r.Received == r.Messages
}

// slowIdle is how long the reader waits for more bytes once the writer is
// done before it counts the missing replies as lost.
const slowIdle = 2 * time.Second

// slowPayload fills p, the payload of message seq: the sequence number, then
// a pattern that depends on it, so a dropped, repeated or shifted message is
// caught.
func slowPayload(p []byte, seq uint64) {
	for i := range p {
		p[i] = byte(seq*31 + uint64(i)*13)
	}
	if len(p) >= 8 {
		binary.LittleEndian.PutUint64(p, seq)
	}
}

// slowHeader is the wire header of each message: the 8-byte header over TCP
// and TLS, nothing over WebSocket (each write is one binary message).
func slowHeader(cfg Config) int {
	if cfg.Protocol == "ws" {
		return 0
	}
	return HeaderSize
}

func runSlow(ctx context.Context, cfg Config) (*SlowResult, error) {
	msgs := (cfg.Size + cfg.MsgSize - 1) / cfg.MsgSize
	res := &SlowResult{Size: msgs * cfg.MsgSize, MsgSize: cfg.MsgSize, Messages: msgs, Rate: cfg.Rate, ReadSize: cfg.ReadSize}
	m0, err := proc.ReadMemory(cfg.ServerPID)
	if err != nil {
		return nil, err
	}
	res.HWMBefore = m0.HWM
	conns, err := dialAll(ctx, cfg, 1, nil)
	if err != nil {
		return nil, err
	}
	c := conns[0]
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	defer stop()

	hdr := slowHeader(cfg)
	start := time.Now()
	r := &pacedReader{c: c, rate: cfg.Rate, chunk: cfg.ReadSize, start: start}
	wrote := make(chan error, 1)
	go func() {
		frame := make([]byte, hdr+cfg.MsgSize)
		if hdr > 0 {
			PutHeader(frame, cfg.MsgSize, cfg.MsgID)
		}
		var err error
		for seq := range uint64(msgs) {
			slowPayload(frame[hdr:], seq)
			if _, err = c.Write(frame); err != nil {
				break
			}
		}
		// From now on a reply that does not come within slowIdle is not
		// coming: a read blocked right now gets the deadline too.
		r.idle.Store(true)
		_ = c.SetReadDeadline(time.Now().Add(slowIdle))
		wrote <- err
	}()

	got := make([]byte, hdr+cfg.MsgSize)
	want := make([]byte, hdr+cfg.MsgSize)
	if hdr > 0 {
		PutHeader(want, cfg.MsgSize, cfg.MsgID)
	}
	next := uint64(0) // the sequence number expected next
	for res.Received < msgs {
		if _, err := io.ReadFull(r, got); err != nil {
			res.Ending = slowEnding(err, ctx)
			break
		}
		seq := binary.LittleEndian.Uint64(got[hdr:])
		if seq < next || seq >= uint64(msgs) {
			res.Corrupt = true
			res.Ending = fmt.Sprintf("reply %d of %d is not a message sent (sequence number %d)", res.Received+1, msgs, seq)
			break
		}
		slowPayload(want[hdr:], seq)
		if !bytes.Equal(got, want) {
			res.Corrupt = true
			res.Ending = fmt.Sprintf("message %d came back altered from byte %d of %d", seq, firstDiff(got, want), len(got))
			break
		}
		res.Received++
		next = seq + 1
	}
	res.Elapsed = time.Since(start)
	_ = c.SetDeadline(time.Now())
	werr := <-wrote
	if werr != nil && res.Received < msgs {
		res.WriteError = werr.Error()
	}
	res.Lost = msgs - res.Received
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	m1, err := proc.ReadMemory(cfg.ServerPID)
	if err != nil {
		return nil, err
	}
	res.HWM = m1.HWM
	return res, nil
}

// firstDiff returns the index of the first byte where a and b differ.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// slowEnding describes why the reader stopped early.
func slowEnding(err error, ctx context.Context) string {
	switch {
	case ctx.Err() != nil:
		return "timed out"
	case isTimeout(err):
		return fmt.Sprintf("nothing more came back within %v of the last write", slowIdle)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the server closed the connection"
	case errors.Is(err, syscall.ECONNRESET):
		return "the server reset the connection"
	default:
		return err.Error()
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// pacedReader reads at most chunk bytes per Read and never gets ahead of
// rate bytes per second since start: a client on a slow link. Once idle is
// set (everything is written), each read waits at most slowIdle.
type pacedReader struct {
	c     net.Conn
	rate  int
	chunk int
	start time.Time
	total int64
	idle  atomic.Bool
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if due := p.start.Add(time.Duration(float64(p.total) / float64(p.rate) * float64(time.Second))); time.Until(due) > 0 {
		time.Sleep(time.Until(due))
	}
	if p.idle.Load() {
		_ = p.c.SetReadDeadline(time.Now().Add(slowIdle))
	}
	n, err := p.c.Read(b[:min(len(b), p.chunk)])
	p.total += int64(n)
	return n, err
}
