package harness

import (
	"bytes"
	"image/png"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netman-go/netman/benchmarks/internal/loadgen"
)

// testReport returns an empty report of a full run of servers and
// scenarios, and the scenarios.
func testReport(t *testing.T, servers, scenarios []string) (*Report, []Scenario) {
	t.Helper()
	srv, err := selectServers(servers)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := selectScenarios(scenarios)
	if err != nil {
		t.Fatal(err)
	}
	return newReport(NewConfig(false), srv, sc), sc
}

// mustContain reports each of want that md lacks.
func mustContain(t *testing.T, md string, want []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(md, w) {
			t.Errorf("markdown lacks %q\n%s", w, md)
		}
	}
}

// sampleReport has netpoll (netman), net, gnet and a failed nbio.
func sampleReport(t *testing.T) *Report {
	t.Helper()
	r, scenarios := testReport(t, []string{"netpoll", "net", "gnet", "nbio"}, []string{"c100-512", "idle", "large"})
	echo := func(msgs, cpu float64, p99 time.Duration) loadgen.Result {
		return loadgen.Result{Echo: &loadgen.EchoResult{MsgPerSec: msgs, MBPerSec: msgs * 512 / 1e6, CPUPerMsg: cpu, P50: p99 / 2, P99: p99}}
	}
	sc := scenarios[0]
	// Three rounds each; the median is the middle one.
	for _, m := range []float64{150_000, 200_000, 100_000} {
		r.add(sc, "netpoll", echo(m, 5000, 2*time.Millisecond))
	}
	for _, m := range []float64{100_000, 90_000, 110_000} {
		r.add(sc, "net", echo(m, 8000, 4*time.Millisecond))
	}
	for _, m := range []float64{120_000, 125_000, 130_000} {
		r.add(sc, "gnet", echo(m, 6000, 3*time.Millisecond))
	}
	r.add(scenarios[1], "netpoll", loadgen.Result{Idle: &loadgen.IdleResult{Conns: 10000, RSSBefore: 1 << 20, RSSAfter: 1<<20 + 5_000_000, PerConn: 500, Settled: true}})
	r.add(scenarios[1], "net", loadgen.Result{Idle: &loadgen.IdleResult{Conns: 10000, PerConn: 8000, Settled: true}})
	r.add(scenarios[1], "gnet", loadgen.Result{Idle: &loadgen.IdleResult{Conns: 10000, PerConn: 600, Settled: false}})
	r.add(scenarios[2], "net", loadgen.Result{Large: &loadgen.LargeResult{Size: 100 << 20, Elapsed: 200 * time.Millisecond, HWM: 10 << 20}})
	r.Failures = append(r.Failures, "nbio, build: boom")
	r.finish()
	return r
}

func TestMarkdown(t *testing.T) {
	r := sampleReport(t)
	md := r.Markdown()
	wantLines := []string{
		// netpoll median 150k: 1.50x net (100k), 1.20x best peer gnet (125k);
		// CPU 5000 vs net 8000 = 0.62x, vs gnet 6000 = 0.83x; p99 2ms vs 4ms, 3ms.
		"| **netpoll** | 150,000 | 67% | 76.8 | 1.00 ms | 2.00 ms | 5.00 us | 1.50x | 1.20x | 0.62x | 0.83x | 0.50x | 0.67x |",
		"| net | 100,000 | 20% | 51.2 | 2.00 ms | 4.00 ms | 8.00 us | 1.00x | 0.80x | 1.00x | 1.33x | 1.00x | 1.33x |",
		"| nbio | failed |",
		"Best peer: msg/s gnet, CPU/msg gnet, p99 gnet.",
		// Idle: netpoll 500 B vs net 8000 and best peer gnet 600; 1M conns = 500e6 B.
		"| **netpoll** | 1.0 MiB | 5.8 MiB | 500 | 0.06x | 0.83x | 0.47 GiB |",
		"| gnet | 0.0 MiB | 0.0 MiB | 600 (RSS still moving) |",
		"(extrapolated)",
		"| net | 200.00 ms | 524 | 10.0 MiB | 1.00x | 1.00x | 1.00x | 1.00x |",
		"| **netpoll** | failed |",
		"## Failures\n\n- nbio, build: boom",
	}
	mustContain(t, md, wantLines)
}

func TestBusyMachineWarning(t *testing.T) {
	r := sampleReport(t)
	r.Cores, r.LoadAvgStart, r.LoadAvgEnd = 2, 0.5, 0.8
	if strings.Contains(r.Markdown(), "Warning") {
		t.Error("a quiet run carries a warning")
	}
	r.LoadAvgEnd = 6
	if !strings.Contains(r.Markdown(), "**Warning:** the machine was busy") {
		t.Error("a run on a busy machine carries no warning")
	}
}

func TestChart(t *testing.T) {
	r := sampleReport(t)
	var b bytes.Buffer
	if err := r.Chart(&b); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	// echo: 3 panels, idle: 1, large: 2 -> 3 rows of 2.
	if got := img.Bounds().Dy(); got != headH+3*panelH {
		t.Fatalf("chart height %d, want %d", got, headH+3*panelH)
	}
}

func TestWriteAndSummary(t *testing.T) {
	r := sampleReport(t)
	dir := t.TempDir()
	cfg := NewConfig(false)
	cfg.OutDir = dir + "/results"
	cfg.Summary = dir + "/RESULTS.md"
	if err := r.write(cfg); err != nil {
		t.Fatal(err)
	}
	f := r.Files(cfg.OutDir)
	for _, p := range []string{f.Markdown, f.Chart, f.JSON, cfg.Summary} {
		if _, err := readFile(p); err != nil {
			t.Fatal(err)
		}
	}
	sum, _ := readFile(cfg.Summary)
	date := r.Date.Format("2006-01-02")
	for _, want := range []string{"results/" + date + ".md", "results/" + date + ".png", "20,000", "extrapolation", "### Echo, 100 connections x 512 B payload"} {
		if !strings.Contains(sum, want) {
			t.Errorf("RESULTS.md lacks %q", want)
		}
	}
}

func readFile(p string) (string, error) {
	b, err := os.ReadFile(p)
	return string(b), err
}

// TestSlowAndPipelined checks the slow-reader tables (a row that lost
// replies says so and is no reference), the pipelined echo's table and
// chart group, and a skipped C row.
func TestSlowAndPipelined(t *testing.T) {
	r, scenarios := testReport(t, []string{"netman", "net", "gnet", "nbio", "cepoll", "netman-ws", "gorilla"}, []string{"p100-512", "slow"})
	r.Skipped = append(r.Skipped, "cepoll: skipped, benchmarks: no C compiler on PATH (looked for cc, gcc, clang)")
	echo := func(msgs, cpu float64) loadgen.Result {
		return loadgen.Result{Echo: &loadgen.EchoResult{Depth: 4, MsgPerSec: msgs, CPUPerMsg: cpu, P50: 1e6, P99: 2e6}}
	}
	r.add(scenarios[0], "netman", echo(100_000, 9000))
	r.add(scenarios[0], "net", echo(200_000, 3000))
	r.add(scenarios[0], "gnet", echo(250_000, 2500))
	slow := func(received int, elapsed time.Duration, hwm int64, ending string) loadgen.Result {
		return loadgen.Result{Slow: &loadgen.SlowResult{Size: 32 << 20, MsgSize: 64 << 10, Messages: 512, Received: received, Lost: 512 - received,
			Ending: ending, Elapsed: elapsed, HWMBefore: 5 << 20, HWM: hwm}}
	}
	r.add(scenarios[1], "netman", slow(400, 3*time.Second, 10<<20, "the server closed the connection"))
	r.add(scenarios[1], "net", slow(512, 4*time.Second, 8<<20, ""))
	r.add(scenarios[1], "gnet", slow(512, 5*time.Second, 40<<20, ""))
	r.add(scenarios[1], "nbio", slow(512, 4*time.Second, 36<<20, ""))
	r.add(scenarios[1], "netman-ws", slow(512, 4*time.Second, 12<<20, ""))
	r.add(scenarios[1], "gorilla", slow(512, 4*time.Second, 16<<20, ""))
	r.finish()
	md := r.Markdown()
	mustContain(t, md, []string{
		"## Echo, 100 connections x 512 B payload, 4 in flight",
		"## Echo, 100 connections x 512 B payload, WebSocket, 4 in flight",
		// 100k / net 200k; CPU 9000 / net 3000, / best peer gnet 2500.
		"| **netman** | 100,000 | 0% | 0.0 | 1.00 ms | 2.00 ms | 9.00 us | 0.50x | 0.40x | 3.00x | 3.60x |",
		"| cepoll | skipped |",
		"## Slow reader: 32 MiB echo in 64 KiB messages, read at 8 MiB/s\n",
		// Lost replies: no time ratio; peak RSS 10 / net 8 = 1.25x, / best peer (net) 1.25x.
		"| **netman** | **lost 112 of 512 replies** (the server closed the connection) | 3.00 s | 10.0 MiB | 5.0 MiB | - | - | 1.25x | 1.25x |",
		"| gnet | all 512 intact | 5.00 s | 40.0 MiB | 35.0 MiB | 1.25x | 1.25x | 5.00x | 5.00x |",
		"Best peer: time net, peak RSS net.",
		"## Slow reader: 32 MiB echo in 64 KiB messages, read at 8 MiB/s, WebSocket",
		"| **netman-ws** | all 512 intact | 4.00 s | 12.0 MiB | 7.0 MiB | 1.00x | 1.00x | 0.75x | 0.75x |",
		"## Skipped\n\n- cepoll: skipped, benchmarks: no C compiler",
	})
	if strings.Contains(md, "## Failures") {
		t.Error("a skipped row is reported as a failure")
	}
	var groups []string
	for _, p := range r.panels() {
		groups = append(groups, p.groups...)
	}
	if !slices.Contains(groups, "100c x 512 B x4") {
		t.Errorf("chart groups %v lack the pipelined one", groups)
	}
	// echo: 3 panels for TCP and 3 for WebSocket, slow reader: 2 -> 4 rows of 2.
	var b bytes.Buffer
	if err := r.Chart(&b); err != nil {
		t.Fatal(err)
	}
	if img, err := png.Decode(&b); err != nil || img.Bounds().Dy() != headH+4*panelH {
		t.Fatalf("chart: %v, %v", err, img.Bounds())
	}
}

// TestPaletteCoversRegistry checks that every row of a full run gets a
// colour of its own in the chart.
func TestPaletteCoversRegistry(t *testing.T) {
	if len(palette) < len(Servers) {
		t.Fatalf("%d colours for %d servers: rows would share colours", len(palette), len(Servers))
	}
}
