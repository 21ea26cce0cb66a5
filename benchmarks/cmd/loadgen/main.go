// Command loadgen is the benchmark's load generator. The bench command starts
// it as its own process, pinned to its own core, and reads one JSON result
// from its standard output; it exits with status 1 if the run failed or any
// echo differed from what was sent.
//
//	loadgen -mode echo  -addr 127.0.0.1:7100 -pid 1234 -conns 100 -size 512 -warmup 1s -duration 5s
//	loadgen -mode idle  -addr 127.0.0.1:7100 -pid 1234 -conns 10000
//	loadgen -mode large -addr 127.0.0.1:7100 -pid 1234 -size 104857600
//	loadgen -mode echo  -addr 127.0.0.1:7100 -pid 1234 -conns 100 -size 512 -depth 4
//	loadgen -mode slow  -addr 127.0.0.1:7100 -pid 1234 -size 33554432 -msg-size 65536 -rate 8388608 -read-size 4096
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/netman-go/netman/benchmarks/internal/loadgen"
)

func main() {
	var cfg loadgen.Config
	var mode string
	var msgID uint
	flag.StringVar(&mode, "mode", "echo", "echo, idle, large or slow")
	flag.StringVar(&cfg.Addr, "addr", "", "server address host:port")
	flag.StringVar(&cfg.Protocol, "protocol", "tcp", "tcp, tls or ws")
	flag.IntVar(&cfg.ServerPID, "pid", 0, "server process ID, for CPU and memory readings")
	flag.IntVar(&cfg.Conns, "conns", 100, "connections")
	flag.IntVar(&cfg.Size, "size", 512, "payload bytes per message (slow mode: in all)")
	flag.IntVar(&cfg.Depth, "depth", 1, "echo mode: messages in flight per connection, written in one write")
	flag.IntVar(&cfg.MsgSize, "msg-size", 64<<10, "slow mode: payload bytes per message")
	flag.IntVar(&cfg.Rate, "rate", 8<<20, "slow mode: the reader's pace, bytes per second")
	flag.IntVar(&cfg.ReadSize, "read-size", 4<<10, "slow mode: bytes per read")
	flag.UintVar(&msgID, "msgid", 0, "message ID in every header")
	flag.DurationVar(&cfg.Warmup, "warmup", time.Second, "echo mode: warm-up before the measured window")
	flag.DurationVar(&cfg.Duration, "duration", 5*time.Second, "echo mode: measured window")
	flag.DurationVar(&cfg.Settle, "settle", 10*time.Second, "idle mode: longest wait for the server's RSS to settle")
	flag.DurationVar(&cfg.Timeout, "timeout", 2*time.Minute, "bound on the whole run")
	flag.IntVar(&cfg.DialConcurrency, "dial-concurrency", 64, "dials in flight at once")
	flag.Parse()
	cfg.Mode = loadgen.Mode(mode)
	cfg.MsgID = uint32(msgID)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		res.Error = err.Error()
	}
	if jerr := json.NewEncoder(os.Stdout).Encode(res); jerr != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", jerr)
		os.Exit(1)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}
