// Package loadgen is the load generator the benchmark runs in its own
// process: closed-loop echo over the default wire format, idle connections
// for memory per connection, and one large message, over TCP, TLS or
// WebSocket.
//
// The wire format is netman's default packer: an 8-byte header (payload length
// as uint32 little-endian, then message ID as uint32 little-endian) followed by
// the payload. Raw echo servers return the bytes unchanged and routed servers
// echo each message, so the same load fits both.
package loadgen

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// HeaderSize is the size of the default wire format's header.
const HeaderSize = 8

var (
	// ErrMismatch reports an echo that differs from what was sent.
	ErrMismatch = errors.New("benchmarks: echo differs from the message sent")
	// ErrNoEcho reports a run in which the server echoed nothing at all.
	ErrNoEcho = errors.New("benchmarks: no echo came back")
	// ErrProtocol reports a protocol the load generator cannot speak yet.
	ErrProtocol = errors.New("benchmarks: protocol not supported by the load generator")
	// ErrConfig reports an invalid load generator configuration.
	ErrConfig = errors.New("benchmarks: invalid load configuration")
)

// Mode selects what the load generator does.
type Mode string

// The load generator's modes.
const (
	// ModeEcho runs the closed-loop echo scenario.
	ModeEcho Mode = "echo"
	// ModeIdle opens many connections, echoes one short message on each and
	// measures the server's resident memory before and after.
	ModeIdle Mode = "idle"
	// ModeLarge echoes one large message and measures time and peak memory.
	ModeLarge Mode = "large"
	// ModeSlow echoes Size bytes in MsgSize messages to one client that
	// reads at Rate, and reports what came back, the time and peak memory.
	ModeSlow Mode = "slow"
)

// Config describes one load generator run.
type Config struct {
	// Mode is what to run.
	Mode Mode `json:"mode"`
	// Addr is the server's host:port.
	Addr string `json:"addr"`
	// Protocol is how to reach the server: "tcp", "tls" (TLS over TCP, the
	// server's certificate not verified) or "ws" (WebSocket at path "/",
	// each write one binary message, the echoed messages read as a stream).
	Protocol string `json:"protocol"`
	// ServerPID is the server's process ID, read in /proc for CPU and memory.
	ServerPID int `json:"server_pid"`
	// Conns is the number of connections (echo and idle modes).
	Conns int `json:"conns"`
	// Size is the payload size in bytes (echo and large modes).
	Size int `json:"size"`
	// Depth is the number of messages in flight per connection (echo mode):
	// each connection writes Depth messages in one write, then reads their
	// echoes. 1 (or 0) is the closed loop of one message at a time.
	Depth int `json:"depth"`
	// MsgSize is each message's payload size (slow mode).
	MsgSize int `json:"msg_size"`
	// Rate is the reader's pace in bytes per second (slow mode).
	Rate int `json:"rate"`
	// ReadSize is the size of each of the reader's reads (slow mode).
	ReadSize int `json:"read_size"`
	// MsgID is the message ID written in every header (0 reaches a routed
	// server's AddRouter(0, echo)).
	MsgID uint32 `json:"msg_id"`
	// Warmup runs before the measured window (echo mode).
	Warmup time.Duration `json:"warmup"`
	// Duration is the measured window (echo mode).
	Duration time.Duration `json:"duration"`
	// Settle is the longest wait for the server's RSS to settle (idle mode).
	Settle time.Duration `json:"settle"`
	// Timeout bounds the whole run.
	Timeout time.Duration `json:"timeout"`
	// DialConcurrency bounds the dials in flight, so the server's accept
	// queue never overflows.
	DialConcurrency int `json:"dial_concurrency"`
}

// Result is what one run reports; exactly one of Echo, Idle, Large, Slow is
// set.
type Result struct {
	// Echo is set in echo mode.
	Echo *EchoResult `json:"echo,omitempty"`
	// Idle is set in idle mode.
	Idle *IdleResult `json:"idle,omitempty"`
	// Large is set in large mode.
	Large *LargeResult `json:"large,omitempty"`
	// Slow is set in slow mode.
	Slow *SlowResult `json:"slow,omitempty"`
	// Error is the reason the run failed, empty on success.
	Error string `json:"error,omitempty"`
}

// Run runs cfg and returns its result.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.check(); err != nil {
		return Result{}, err
	}
	if cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Timeout)
		defer cancel()
	}
	switch cfg.Mode {
	case ModeEcho:
		r, err := runEcho(ctx, cfg)
		return Result{Echo: r}, err
	case ModeIdle:
		r, err := runIdle(ctx, cfg)
		return Result{Idle: r}, err
	case ModeSlow:
		r, err := runSlow(ctx, cfg)
		return Result{Slow: r}, err
	default:
		r, err := runLarge(ctx, cfg)
		return Result{Large: r}, err
	}
}

func (cfg *Config) check() error {
	if cfg.Protocol == "" {
		cfg.Protocol = "tcp"
	}
	if cfg.DialConcurrency <= 0 {
		cfg.DialConcurrency = 64
	}
	if cfg.Depth <= 0 {
		cfg.Depth = 1
	}
	if !slices.Contains(Protocols, cfg.Protocol) {
		return fmt.Errorf("%w: %q (known: %s)", ErrProtocol, cfg.Protocol, strings.Join(Protocols, ", "))
	}
	switch {
	case !slices.Contains([]Mode{ModeEcho, ModeIdle, ModeLarge, ModeSlow}, cfg.Mode):
		return fmt.Errorf("%w: mode %q", ErrConfig, cfg.Mode)
	case cfg.Addr == "":
		return fmt.Errorf("%w: no address", ErrConfig)
	case cfg.ServerPID <= 0:
		return fmt.Errorf("%w: no server PID", ErrConfig)
	case cfg.Mode != ModeLarge && cfg.Mode != ModeSlow && cfg.Conns <= 0:
		return fmt.Errorf("%w: %d connections", ErrConfig, cfg.Conns)
	case cfg.Mode != ModeIdle && (cfg.Size < 0 || uint64(cfg.Size) > 1<<32-1):
		return fmt.Errorf("%w: payload size %d", ErrConfig, cfg.Size)
	case cfg.Mode == ModeEcho && cfg.Duration <= 0:
		return fmt.Errorf("%w: duration %v", ErrConfig, cfg.Duration)
	case cfg.Mode == ModeEcho && cfg.Depth > 1 && cfg.Size < 8:
		// Pipelined echoes are told apart by the sequence number in their
		// payload.
		return fmt.Errorf("%w: %d in flight needs payloads of at least 8 bytes", ErrConfig, cfg.Depth)
	case cfg.Mode == ModeSlow && (cfg.MsgSize < 8 || cfg.Size < cfg.MsgSize || cfg.Rate <= 0 || cfg.ReadSize <= 0):
		return fmt.Errorf("%w: slow reader of %d bytes in %d-byte messages at %d B/s, %d-byte reads", ErrConfig, cfg.Size, cfg.MsgSize, cfg.Rate, cfg.ReadSize)
	}
	return nil
}

// PutHeader writes the default wire format's header for a payload of size n
// and message ID id into b[:HeaderSize].
func PutHeader(b []byte, n int, id uint32) {
	binary.LittleEndian.PutUint32(b[0:4], uint32(n))
	binary.LittleEndian.PutUint32(b[4:8], id)
}

// dial opens one connection to addr over protocol.
func dial(ctx context.Context, protocol, addr string) (net.Conn, error) {
	switch protocol {
	case "tcp":
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	case "tls":
		return dialTLS(ctx, addr)
	case "ws":
		return dialWS(ctx, addr)
	default:
		return nil, fmt.Errorf("%w: %q", ErrProtocol, protocol)
	}
}

// dialAll opens n connections with at most conc dials in flight; each one is
// passed to prepare (if not nil) before it counts as open. On error every
// connection opened so far is closed.
func dialAll(ctx context.Context, cfg Config, n int, prepare func(i int, c net.Conn) error) ([]net.Conn, error) {
	conns := make([]net.Conn, n)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	next := make(chan int)
	for w := 0; w < min(cfg.DialConcurrency, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, err := dial(ctx, cfg.Protocol, cfg.Addr)
				if err == nil && prepare != nil {
					if err = prepare(i, c); err != nil {
						c.Close()
					}
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("connection %d of %d: %w", i+1, n, err)
					}
					mu.Unlock()
					cancel()
					continue
				}
				conns[i] = c
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		closeAll(conns)
		return nil, firstErr
	}
	return conns, nil
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}
