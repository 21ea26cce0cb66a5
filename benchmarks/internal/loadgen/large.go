package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/netman-go/netman/benchmarks/internal/proc"
)

// LargeResult is the outcome of echoing one large framed message.
type LargeResult struct {
	// Size is the payload size in bytes.
	Size int `json:"size"`
	// Elapsed runs from the first byte written to the last byte of the echo
	// read.
	Elapsed time.Duration `json:"elapsed"`
	// HWMBefore is the server's VmHWM (peak RSS) before the message.
	HWMBefore int64 `json:"hwm_before"`
	// HWM is the server's VmHWM after the echo.
	HWM int64 `json:"hwm"`
}

// patternPeriod is prime, so a shifted or repeated chunk never matches.
const patternPeriod = 251

const chunkSize = 1 << 20

// pattern holds one chunk of the large payload starting at any offset modulo
// patternPeriod.
var pattern = func() []byte {
	p := make([]byte, chunkSize+patternPeriod)
	for i := range p {
		p[i] = byte(i % patternPeriod)
	}
	return p
}()

// expected returns the payload bytes at [off, off+n), n <= chunkSize.
func expected(off int64, n int) []byte {
	s := int(off % patternPeriod)
	return pattern[s : s+n]
}

func runLarge(ctx context.Context, cfg Config) (*LargeResult, error) {
	m0, err := proc.ReadMemory(cfg.ServerPID)
	if err != nil {
		return nil, err
	}
	conns, err := dialAll(ctx, cfg, 1, nil)
	if err != nil {
		return nil, err
	}
	c := conns[0]
	defer c.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	defer stop()

	header := make([]byte, HeaderSize)
	PutHeader(header, cfg.Size, cfg.MsgID)
	start := time.Now()
	wrote := make(chan error, 1)
	go func() {
		// The header goes out with the first chunk in one writev, as a
		// client that packs a whole message would send it.
		first := min(chunkSize, cfg.Size)
		bufs := net.Buffers{header, expected(0, first)}
		if _, err := bufs.WriteTo(c); err != nil {
			wrote <- err
			return
		}
		for off := int64(first); off < int64(cfg.Size); off += chunkSize {
			n := min(chunkSize, int(int64(cfg.Size)-off))
			if _, err := c.Write(expected(off, n)); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}()

	rerr := readLarge(c, header, cfg.Size)
	elapsed := time.Since(start)
	if rerr != nil {
		_ = c.SetDeadline(time.Now())
		<-wrote
		return nil, rerr
	}
	if err := <-wrote; err != nil {
		return nil, err
	}
	m1, err := proc.ReadMemory(cfg.ServerPID)
	if err != nil {
		return nil, err
	}
	return &LargeResult{Size: cfg.Size, Elapsed: elapsed, HWMBefore: m0.HWM, HWM: m1.HWM}, nil
}

// readLarge reads the echoed header and payload and checks every byte.
func readLarge(r io.Reader, header []byte, size int) error {
	got := make([]byte, chunkSize)
	if _, err := io.ReadFull(r, got[:HeaderSize]); err != nil {
		return err
	}
	if !bytes.Equal(got[:HeaderSize], header) {
		return fmt.Errorf("%w: header % x, sent % x", ErrMismatch, got[:HeaderSize], header)
	}
	for off := int64(0); off < int64(size); {
		n, err := r.Read(got[:min(chunkSize, int(int64(size)-off))])
		if n > 0 && !bytes.Equal(got[:n], expected(off, n)) {
			return fmt.Errorf("%w: payload bytes %d..%d", ErrMismatch, off, off+int64(n))
		}
		off += int64(n)
		if err != nil && off < int64(size) {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("after %d of %d payload bytes: %w", off, size, err)
		}
	}
	return nil
}
