package loadgen

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// echoServer is a test peer on 127.0.0.1: handle runs on a goroutine per
// connection (fine in a test client/server; the servers measured are real
// binaries). It stops when the test ends.
func echoServer(t *testing.T, handle func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func rawEcho(c net.Conn) { _, _ = io.Copy(c, c) }

// corruptEcho echoes everything but flips one byte of the 100th read.
func corruptEcho(c net.Conn) {
	buf := make([]byte, 64<<10)
	for n := 1; ; n++ {
		k, err := c.Read(buf)
		if k > 0 {
			if n == 100 {
				buf[k-1] ^= 0xff
			}
			if _, err := c.Write(buf[:k]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// silent reads and never answers.
func silent(c net.Conn) { _, _ = io.Copy(io.Discard, c) }

func TestEcho(t *testing.T) {
	addr := echoServer(t, rawEcho)
	for _, size := range []int{0, 5, 512, 4096} {
		res, err := Run(context.Background(), Config{
			Mode: ModeEcho, Addr: addr, ServerPID: os.Getpid(), Conns: 4, Size: size,
			Warmup: 20 * time.Millisecond, Duration: 150 * time.Millisecond, Timeout: 10 * time.Second,
		})
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		e := res.Echo
		if e == nil || e.Messages == 0 || e.MsgPerSec <= 0 || e.P50 <= 0 || e.P99 < e.P50 || e.Max < e.P99 {
			t.Fatalf("size %d: implausible result %+v", size, e)
		}
		if e.Conns != 4 || e.Size != size || (size > 0) != (e.MBPerSec > 0) {
			t.Fatalf("size %d: result does not describe the load: %+v", size, e)
		}
	}
}

func TestEchoFailures(t *testing.T) {
	tests := []struct {
		name   string
		handle func(net.Conn)
		want   error
	}{
		{"corrupted echo", corruptEcho, ErrMismatch},
		{"server never answers", silent, ErrNoEcho},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := echoServer(t, tt.handle)
			_, err := Run(context.Background(), Config{
				Mode: ModeEcho, Addr: addr, ServerPID: os.Getpid(), Conns: 2, Size: 64,
				Warmup: 10 * time.Millisecond, Duration: 300 * time.Millisecond, Timeout: 10 * time.Second,
			})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDialFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	_, err = Run(context.Background(), Config{Mode: ModeIdle, Addr: addr, ServerPID: os.Getpid(), Conns: 3, Timeout: 5 * time.Second})
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Fatalf("err = %v, want a dial error", err)
	}
}

func TestIdle(t *testing.T) {
	addr := echoServer(t, rawEcho)
	res, err := Run(context.Background(), Config{
		Mode: ModeIdle, Addr: addr, ServerPID: os.Getpid(), Conns: 50, Settle: time.Second, Timeout: 20 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	i := res.Idle
	if i == nil || i.Conns != 50 || i.RSSBefore <= 0 || i.RSSAfter <= 0 {
		t.Fatalf("implausible result %+v", i)
	}
}

func TestIdleSilentServer(t *testing.T) {
	addr := echoServer(t, silent)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := Run(ctx, Config{Mode: ModeIdle, Addr: addr, ServerPID: os.Getpid(), Conns: 3, Settle: 100 * time.Millisecond})
	if err == nil {
		t.Fatal("a server that never echoes passed the idle run")
	}
}

func TestLarge(t *testing.T) {
	tests := []struct {
		name   string
		handle func(net.Conn)
		size   int
		want   error
	}{
		{"raw echo", rawEcho, 3<<20 + 17, nil},
		{"empty payload", rawEcho, 0, nil},
		{"corrupted", corruptEcho, 8 << 20, ErrMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := echoServer(t, tt.handle)
			res, err := Run(context.Background(), Config{Mode: ModeLarge, Addr: addr, ServerPID: os.Getpid(), Size: tt.size, Timeout: 20 * time.Second})
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// VmHWM is kept lazily by Linux (max of a stale high-water mark
			// and the current RSS), so a later reading can be lower than an
			// earlier one: only check that a peak was read.
			if l := res.Large; l == nil || l.Size != tt.size || l.Elapsed <= 0 || l.HWM <= 0 {
				t.Fatalf("implausible result %+v", l)
			}
		})
	}
}

func TestConfigCheck(t *testing.T) {
	ok := Config{Mode: ModeEcho, Addr: "127.0.0.1:1", ServerPID: 1, Conns: 1, Size: 1, Duration: time.Second}
	tests := []struct {
		name   string
		change func(*Config)
		want   error
	}{
		{"valid", func(*Config) {}, nil},
		{"unknown mode", func(c *Config) { c.Mode = "flood" }, ErrConfig},
		{"no address", func(c *Config) { c.Addr = "" }, ErrConfig},
		{"no pid", func(c *Config) { c.ServerPID = 0 }, ErrConfig},
		{"no connections", func(c *Config) { c.Conns = 0 }, ErrConfig},
		{"negative size", func(c *Config) { c.Size = -1 }, ErrConfig},
		{"no duration", func(c *Config) { c.Duration = 0 }, ErrConfig},
		{"large needs no conns", func(c *Config) { c.Mode, c.Conns = ModeLarge, 0 }, nil},
		{"pipelined", func(c *Config) { c.Size, c.Depth = 8, 4 }, nil},
		{"pipelined without room for a sequence number", func(c *Config) { c.Depth = 4 }, ErrConfig},
		{"slow reader", func(c *Config) {
			c.Mode, c.Conns, c.Size, c.MsgSize, c.Rate, c.ReadSize = ModeSlow, 0, 1<<20, 64<<10, 1<<20, 4096
		}, nil},
		{"slow reader without a rate", func(c *Config) { c.Mode, c.Size, c.MsgSize, c.ReadSize = ModeSlow, 1<<20, 64<<10, 4096 }, ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.change(&c)
			if err := c.check(); !errors.Is(err, tt.want) {
				t.Fatalf("check = %v, want %v", err, tt.want)
			}
		})
	}
}
