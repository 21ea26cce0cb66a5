package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"time"

	"github.com/netman-go/netman/benchmarks/internal/proc"
)

// IdleResult is the server's resident memory before and after Conns
// connections were opened, each echoed one short message and went idle.
type IdleResult struct {
	// Conns is the number of idle connections held.
	Conns int `json:"conns"`
	// RSSBefore is the server's settled VmRSS before the first connection.
	RSSBefore int64 `json:"rss_before"`
	// RSSAfter is the server's settled VmRSS with every connection idle.
	RSSAfter int64 `json:"rss_after"`
	// PerConn is (RSSAfter-RSSBefore)/Conns in bytes.
	PerConn float64 `json:"bytes_per_conn"`
	// Settled tells whether RSS stopped moving within the settle time both
	// times; if not, the last samples were used.
	Settled bool `json:"settled"`
}

// echoTimeout bounds one short echo on an idle connection: far above any
// round trip on loopback, it only turns a server that never answers into an
// error instead of a hang.
const echoTimeout = 10 * time.Second

// idlePayload is the short message each idle connection echoes once.
var idlePayload = []byte("hello, idle world")

func runIdle(ctx context.Context, cfg Config) (*IdleResult, error) {
	before, ok1, err := settledRSS(ctx, cfg.ServerPID, cfg.Settle)
	if err != nil {
		return nil, err
	}
	frame := make([]byte, HeaderSize+len(idlePayload))
	PutHeader(frame, len(idlePayload), cfg.MsgID)
	copy(frame[HeaderSize:], idlePayload)
	conns, err := dialAll(ctx, cfg, cfg.Conns, func(_ int, c net.Conn) error {
		return echoOnce(c, frame)
	})
	if err != nil {
		return nil, err
	}
	defer closeAll(conns)
	after, ok2, err := settledRSS(ctx, cfg.ServerPID, cfg.Settle)
	if err != nil {
		return nil, err
	}
	// The server must still hold every connection: one echo more on a sample
	// of them proves it did not drop idle ones to look small.
	for i := 0; i < len(conns); i += max(1, len(conns)/16) {
		if err := echoOnce(conns[i], frame); err != nil {
			return nil, fmt.Errorf("idle connection %d: %w", i+1, err)
		}
	}
	return &IdleResult{
		Conns:     cfg.Conns,
		RSSBefore: before,
		RSSAfter:  after,
		PerConn:   float64(after-before) / float64(cfg.Conns),
		Settled:   ok1 && ok2,
	}, nil
}

// echoOnce sends frame on c and checks its echo, within echoTimeout.
func echoOnce(c net.Conn, frame []byte) error {
	_ = c.SetDeadline(time.Now().Add(echoTimeout))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(frame); err != nil {
		return err
	}
	echo := make([]byte, len(frame))
	if _, err := io.ReadFull(c, echo); err != nil {
		return err
	}
	if !bytes.Equal(echo, frame) {
		return fmt.Errorf("%w: got % x, sent % x", ErrMismatch, echo, frame)
	}
	return nil
}

// settledRSS samples the server's VmRSS every 100 ms until the last five
// samples lie within 0.5% (or 32 KiB) of each other, or until limit passes,
// and returns their median and whether it settled.
func settledRSS(ctx context.Context, pid int, limit time.Duration) (int64, bool, error) {
	const window = 5
	deadline := time.Now().Add(limit)
	var samples []int64
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		m, err := proc.ReadMemory(pid)
		if err != nil {
			return 0, false, err
		}
		samples = append(samples, m.RSS)
		if len(samples) >= window {
			last := slices.Clone(samples[len(samples)-window:])
			slices.Sort(last)
			spread := last[window-1] - last[0]
			if spread <= max(32<<10, last[window/2]/200) {
				return last[window/2], true, nil
			}
			if time.Now().After(deadline) {
				return last[window/2], false, nil
			}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return 0, false, ctx.Err()
		}
	}
}
