package harness

import (
	"strings"
	"testing"

	"github.com/netman-go/netman/benchmarks/internal/loadgen"
)

// TestProtocolTables checks that rows are compared within their protocol
// only: one table per protocol, each against its own baseline and best peer.
func TestProtocolTables(t *testing.T) {
	r, scenarios := testReport(t, []string{"net", "netman-tls", "cryptotls", "netman-ws", "gorilla", "nbio-ws"}, []string{"c100-512", "idle"})
	if len(r.Echo) != 3 {
		t.Fatalf("%d echo tables, want one per protocol (3)", len(r.Echo))
	}
	echo := func(msgs, cpu float64) loadgen.Result {
		return loadgen.Result{Echo: &loadgen.EchoResult{MsgPerSec: msgs, CPUPerMsg: cpu, P50: 1e6, P99: 2e6}}
	}
	idle := func(perConn float64) loadgen.Result {
		return loadgen.Result{Idle: &loadgen.IdleResult{PerConn: perConn, Settled: true}}
	}
	sc := scenarios[0]
	r.add(sc, "net", echo(300_000, 1000)) // would be everyone's best peer if tables mixed
	r.add(sc, "netman-tls", echo(100_000, 8000))
	r.add(sc, "cryptotls", echo(50_000, 10_000))
	r.add(sc, "netman-ws", echo(90_000, 6000))
	r.add(sc, "gorilla", echo(60_000, 12_000))
	r.add(sc, "nbio-ws", echo(120_000, 4000))
	r.add(scenarios[1], "net", idle(100))
	r.add(scenarios[1], "netman-tls", idle(4000))
	r.add(scenarios[1], "cryptotls", idle(8000))
	r.add(scenarios[1], "netman-ws", idle(500))
	r.add(scenarios[1], "gorilla", idle(10_000))
	r.add(scenarios[1], "nbio-ws", idle(2000))
	r.finish()
	md := r.Markdown()
	mustContain(t, md, []string{
		"## Echo, 100 connections x 512 B payload, TLS",
		"| server | msg/s | rounds spread | MB/s | p50 | p99 | server CPU/msg | msg/s vs cryptotls |",
		// 100k / cryptotls 50k = 2x; cryptotls is also the best (only) TLS peer.
		"| **netman-tls** | 100,000 | 0% | 0.0 | 1.00 ms | 2.00 ms | 8.00 us | 2.00x | 2.00x | 0.80x | 0.80x |",
		"## Echo, 100 connections x 512 B payload, WebSocket",
		"msg/s vs gorilla",
		// vs gorilla 60k: 1.50x; vs best peer nbio-ws 120k: 0.75x; CPU 6000/12000, 6000/4000.
		"| **netman-ws** | 90,000 | 0% | 0.0 | 1.00 ms | 2.00 ms | 6.00 us | 1.50x | 0.75x | 0.50x | 1.50x |",
		"## Memory per idle TLS connection (5,000 connections)",
		"| **netman-tls** | 0.0 MiB | 0.0 MiB | 4,000 | 0.50x | 0.50x |",
		"## Memory per idle WebSocket connection (10,000 connections)",
		"| **netman-ws** | 0.0 MiB | 0.0 MiB | 500 | 0.05x | 0.25x |",
	})
	if strings.Count(md, "Best peer: msg/s net,") != 1 {
		t.Errorf("net is the best peer outside its own table\n%s", md)
	}
}

func TestIdleConnsPerProtocol(t *testing.T) {
	full, quick := NewConfig(false), NewConfig(true)
	tests := []struct {
		cfg  Config
		p    Protocol
		want int
	}{
		{full, TCP, 10_000},
		{full, WS, 10_000},
		{full, TLS, 5_000},
		{quick, TLS, 500},
	}
	for _, tt := range tests {
		if got := tt.cfg.idleConns(tt.p); got != tt.want {
			t.Errorf("idleConns(%s) = %d, want %d", tt.p, got, tt.want)
		}
	}
}

func TestBaselines(t *testing.T) {
	for _, p := range Protocols {
		base, ok := Baselines[p]
		if !ok {
			t.Errorf("no baseline for %s", p)
			continue
		}
		s, err := selectServers([]string{base})
		if err != nil || len(s) != 1 || s[0].Protocol != p || s[0].Netman {
			t.Errorf("baseline %s of %s is not a registered peer of that protocol", base, p)
		}
	}
}
