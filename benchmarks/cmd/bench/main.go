// Command bench runs netman side by side with net, gnet, nbio and a C epoll
// echo (TCP), crypto/tls and nbio's TLS (TLS), gorilla/websocket, gobwas/ws
// and nbio's WebSocket (WebSocket) and prints a table of ratios per scenario
// and protocol. Each server is built into its own binary and run as its own
// process, driven by the load generator in another process.
//
//	cd benchmarks && go run ./cmd/bench            # full run: results/<date>.md, .png, .json and RESULTS.md
//	cd benchmarks && go run ./cmd/bench -quick     # smoke test in seconds, results to a temp dir
//	go run ./benchmarks/cmd/bench -servers netpoll,net -scenarios c100-512,idle
//
// It exits with status 1 if any server fails to build or start, or any echo
// is wrong, and stops every process it started, also on Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/netman-go/netman/benchmarks/internal/harness"
)

func main() {
	quick := flag.Bool("quick", false, "smoke test: 1 s per scenario, 500 idle connections, 4 MiB large message, 2 MiB to the slow reader, results to a temp dir")
	servers := flag.String("servers", "", "comma-separated servers to run (default all: "+strings.Join(harness.ServerNames(), ",")+")")
	scenarios := flag.String("scenarios", "", "comma-separated scenarios to run (default all: "+strings.Join(harness.ScenarioNames(), ",")+")")
	out := flag.String("out", "", "directory for <date>.md/.png/.json (default: results/ for a full run of everything, a temp dir otherwise)")
	full := harness.NewConfig(false)
	warmup := flag.Duration("warmup", 0, fmt.Sprintf("warm-up before each measured window (default %v, quick %v)", full.Warmup, harness.NewConfig(true).Warmup))
	duration := flag.Duration("duration", 0, fmt.Sprintf("measured window per echo round (default %v, quick %v)", full.Duration, harness.NewConfig(true).Duration))
	rounds := flag.Int("rounds", 0, fmt.Sprintf("rounds per echo scenario and server (default %d, quick 1)", full.Rounds))
	idle := flag.Int("idle-conns", 0, fmt.Sprintf("connections in the idle memory scenario (default %d, quick 500)", full.IdleConns))
	large := flag.Int("large-size", 0, fmt.Sprintf("payload bytes of the large message (default %d, quick 4 MiB)", full.LargeSize))
	slowSize := flag.Int("slow-size", 0, fmt.Sprintf("bytes echoed to the slow reader (default %d, quick 2 MiB)", full.SlowSize))
	slowRate := flag.Int("slow-rate", 0, fmt.Sprintf("the slow reader's pace, bytes per second (default %d)", full.SlowRate))
	loops := flag.Int("loops", full.Loops, "event loops, threads and GOMAXPROCS of every server")
	pin := flag.Bool("pin", full.Pin, "pin the server to CPU 0 and the load generator to CPU 1")
	tags := flag.String("tags", "", "build tags for the servers, e.g. netpoll_portable: netpoll-based rows on the portable backend")
	flag.Parse()

	cfg := harness.NewConfig(*quick)
	cfg.Servers = split(*servers)
	cfg.Scenarios = split(*scenarios)
	cfg.Loops, cfg.Pin, cfg.Tags = *loops, *pin, *tags
	if *warmup > 0 {
		cfg.Warmup = *warmup
	}
	if *duration > 0 {
		cfg.Duration = *duration
	}
	if *rounds > 0 {
		cfg.Rounds = *rounds
	}
	if *idle > 0 {
		cfg.IdleConns = *idle
	}
	if *large > 0 {
		cfg.LargeSize = *large
	}
	if *slowSize > 0 {
		cfg.SlowSize = *slowSize
	}
	if *slowRate > 0 {
		cfg.SlowRate = *slowRate
	}
	cfg.Command = "go run ./cmd/bench"
	if len(os.Args) > 1 {
		cfg.Command += " " + strings.Join(os.Args[1:], " ")
	}
	cfg.Log = os.Stderr

	dirs, err := harness.FindDirs()
	if err != nil {
		fatal(err)
	}
	// Only a full, unfiltered run of the default settings replaces the
	// committed results; anything else goes to a temp dir unless -out says.
	official := !*quick && *servers == "" && *scenarios == "" && *warmup == 0 && *duration == 0 &&
		*rounds == 0 && *idle == 0 && *large == 0 && *slowSize == 0 && *slowRate == 0 && *loops == full.Loops && *tags == ""
	switch {
	case *out != "":
		cfg.OutDir = *out
	case official:
		cfg.OutDir = filepath.Join(dirs.Module, "results")
		cfg.Summary = filepath.Join(dirs.Module, "RESULTS.md")
	default:
		d, err := os.MkdirTemp("", "netman-bench-")
		if err != nil {
			fatal(err)
		}
		cfg.OutDir = d
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	report, err := harness.Run(ctx, cfg)
	harness.StopAll()
	if report != nil {
		fmt.Print(report.Markdown())
		f := report.Files(cfg.OutDir)
		fmt.Fprintf(os.Stderr, "wrote %s, %s, %s\n", f.Markdown, f.Chart, f.JSON)
		if cfg.Summary != "" {
			fmt.Fprintf(os.Stderr, "wrote %s\n", cfg.Summary)
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "bench: interrupted; every process it started has been stopped")
			os.Exit(130)
		}
		fatal(err)
	}
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
