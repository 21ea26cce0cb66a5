package loadgen

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netman-go/netman/benchmarks/internal/hist"
	"github.com/netman-go/netman/benchmarks/internal/proc"
)

// EchoResult is the outcome of the closed-loop echo scenario, measured over
// the window that follows the warm-up.
type EchoResult struct {
	// Conns is the number of connections.
	Conns int `json:"conns"`
	// Depth is the number of messages in flight per connection.
	Depth int `json:"depth"`
	// Size is the payload size in bytes (the header adds 8).
	Size int `json:"size"`
	// Messages is the number of echoes completed and verified in the window.
	Messages uint64 `json:"messages"`
	// Window is the measured time.
	Window time.Duration `json:"window"`
	// MsgPerSec is Messages per second of Window.
	MsgPerSec float64 `json:"msg_per_sec"`
	// MBPerSec is payload megabytes (10^6 bytes) echoed per second, one way.
	MBPerSec float64 `json:"mb_per_sec"`
	// P50, P99 and Max are round-trip latencies, from the first byte written
	// to the last byte of the echo read.
	P50 time.Duration `json:"p50"`
	// P99 is the 99th percentile round-trip latency.
	P99 time.Duration `json:"p99"`
	// Max is the largest round-trip latency seen in the window.
	Max time.Duration `json:"max"`
	// ServerCPU is the server's utime+stime over the window.
	ServerCPU time.Duration `json:"server_cpu"`
	// ServerUserCPU is the utime part of ServerCPU: the server's own code.
	ServerUserCPU time.Duration `json:"server_user_cpu"`
	// ServerSystemCPU is the stime part of ServerCPU: the kernel's work
	// for the server (system calls, TCP).
	ServerSystemCPU time.Duration `json:"server_system_cpu"`
	// CPUPerMsg is ServerCPU divided by Messages, in nanoseconds.
	CPUPerMsg float64 `json:"cpu_ns_per_msg"`
	// LoadCPU is the load generator's own utime+stime over the window: near
	// the window's length, the load generator's core was the bottleneck.
	LoadCPU time.Duration `json:"load_cpu"`
}

// fillPayload writes connection conn's pattern into p.
func fillPayload(p []byte, conn int) {
	for i := range p {
		p[i] = byte(conn*7 + i*13)
	}
}

func runEcho(ctx context.Context, cfg Config) (*EchoResult, error) {
	conns, err := dialAll(ctx, cfg, cfg.Conns, nil)
	if err != nil {
		return nil, err
	}
	defer closeAll(conns)

	var (
		completed atomic.Uint64
		measuring atomic.Bool
		stopping  atomic.Bool
		h         hist.Histogram
		wg        sync.WaitGroup
		errOnce   sync.Once
		failed    = make(chan error, 1)
	)
	fail := func(err error) {
		errOnce.Do(func() { failed <- err })
	}
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := echoLoop(c, i, cfg, &stopping, func(d time.Duration) {
				completed.Add(1)
				if measuring.Load() {
					h.Record(d)
				}
			})
			if err != nil && !stopping.Load() {
				fail(fmt.Errorf("connection %d: %w", i+1, err))
			}
		}()
	}
	stop := func() {
		stopping.Store(true)
		for _, c := range conns {
			_ = c.SetDeadline(time.Now())
		}
		wg.Wait()
	}
	wait := func(d time.Duration) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case err := <-failed:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}

	if err := wait(cfg.Warmup); err != nil {
		stop()
		return nil, err
	}
	cpu0, err := proc.ReadCPU(cfg.ServerPID)
	if err != nil {
		stop()
		return nil, err
	}
	self0, _ := proc.CPUTime(os.Getpid())
	n0, t0 := completed.Load(), time.Now()
	measuring.Store(true)
	werr := wait(cfg.Duration)
	measuring.Store(false)
	n1, t1 := completed.Load(), time.Now()
	cpu1, cerr := proc.ReadCPU(cfg.ServerPID)
	self1, _ := proc.CPUTime(os.Getpid())
	stop()
	if werr != nil {
		return nil, werr
	}
	if cerr != nil {
		return nil, cerr
	}
	select {
	case err := <-failed:
		return nil, err
	default:
	}

	r := &EchoResult{
		Conns:           cfg.Conns,
		Depth:           cfg.Depth,
		Size:            cfg.Size,
		Messages:        n1 - n0,
		Window:          t1.Sub(t0),
		P50:             h.Quantile(0.50),
		P99:             h.Quantile(0.99),
		Max:             h.Max(),
		ServerCPU:       cpu1.Total() - cpu0.Total(),
		ServerUserCPU:   cpu1.User - cpu0.User,
		ServerSystemCPU: cpu1.System - cpu0.System,
		LoadCPU:         self1 - self0,
	}
	secs := r.Window.Seconds()
	r.MsgPerSec = float64(r.Messages) / secs
	r.MBPerSec = r.MsgPerSec * float64(cfg.Size) / 1e6
	if r.Messages > 0 {
		r.CPUPerMsg = float64(r.ServerCPU.Nanoseconds()) / float64(r.Messages)
	} else {
		return r, fmt.Errorf("%w: none completed in the %v window", ErrNoEcho, r.Window)
	}
	return r, nil
}

// echoLoop keeps cfg.Depth messages in flight on c until stopping is set:
// write them in one write (one masked frame each over WebSocket), read every
// echo, compare, report each round trip (from the write to that echo's last
// byte). Depth 1 is the closed loop of one message at a time.
func echoLoop(c net.Conn, conn int, cfg Config, stopping *atomic.Bool, done func(time.Duration)) error {
	depth := max(cfg.Depth, 1)
	frameLen := HeaderSize + cfg.Size
	batch := make([]byte, depth*frameLen)
	frames := make([][]byte, depth)
	for k := range frames {
		frames[k] = batch[k*frameLen : (k+1)*frameLen]
		PutHeader(frames[k], cfg.Size, cfg.MsgID)
		fillPayload(frames[k][HeaderSize:], conn)
	}
	echo := make([]byte, frameLen)
	bw, batched := c.(batchWriter)
	for seq := uint64(1); !stopping.Load(); {
		// A sequence number in the payload makes every message differ, so a
		// server replaying an old echo (or echoing out of order) is caught.
		first := seq
		for _, f := range frames {
			if cfg.Size >= 8 {
				binary.LittleEndian.PutUint64(f[HeaderSize:], seq)
			}
			seq++
		}
		start := time.Now()
		var err error
		if batched && depth > 1 {
			err = bw.writeBatch(frames)
		} else {
			_, err = c.Write(batch)
		}
		if err != nil {
			return err
		}
		for k, f := range frames {
			if _, err := io.ReadFull(c, echo); err != nil {
				return err
			}
			d := time.Since(start)
			if !bytes.Equal(echo, f) {
				return fmt.Errorf("%w: message %d", ErrMismatch, first+uint64(k))
			}
			done(d)
		}
	}
	return nil
}

// batchWriter is a connection that sends several messages in one write of
// its own framing (WebSocket: one masked frame per message).
type batchWriter interface {
	writeBatch(msgs [][]byte) error
}
