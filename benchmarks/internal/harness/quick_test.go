package harness

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// logWriter sends progress lines to the test log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestQuickRun runs the whole harness the way CI's smoke test does: build
// every registered server and the load generator, run every scenario in
// quick mode, verify every echo, write the report. It checks that the
// harness works, never how fast anything is.
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every server: skipped in -short mode")
	}
	cfg := NewConfig(true)
	// Both message sizes, both connection counts and both depths (one and
	// four in flight), in two echo scenarios rather than six, keep the test
	// near half a minute on 2 cores.
	cfg.Scenarios = []string{"p100-512", "c1000-4k", "idle", "large", "slow"}
	cfg.Warmup = 100 * time.Millisecond
	cfg.Duration = 400 * time.Millisecond
	cfg.IdleConns = 200
	// 1 MiB stays under every server's default write bound whatever the
	// scheduling; the test checks the harness, not the servers' backpressure.
	cfg.LargeSize = 1 << 20
	cfg.SlowSize = 1 << 20
	cfg.OutDir = t.TempDir()
	cfg.Log = logWriter{t}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	report, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Failures) > 0 {
		t.Fatalf("failures: %v", report.Failures)
	}
	// A C row without a C compiler is skipped, not measured.
	skipped := func(server string) bool { return report.missing(server) == "skipped" }
	for _, tab := range report.Echo {
		for _, row := range tab.Rows {
			if skipped(row.Server) {
				continue
			}
			if len(row.Rounds) != 1 || row.MsgPerSec <= 0 {
				t.Errorf("%s %s: no measurement", tab.Scenario, row.Server)
			}
		}
	}
	for _, row := range report.Idle {
		if row.Result == nil && !skipped(row.Server) {
			t.Errorf("idle %s: no measurement", row.Server)
		}
	}
	for _, row := range report.Large {
		if row.Result == nil && !skipped(row.Server) {
			t.Errorf("large %s: no measurement", row.Server)
		}
	}
	// 1 MiB fits in the socket buffers: every server must return it all.
	for _, row := range report.Slow {
		if (row.Result == nil || !row.Result.Intact()) && !skipped(row.Server) {
			t.Errorf("slow reader %s: %+v", row.Server, row.Result)
		}
	}
	f := report.Files(cfg.OutDir)
	for _, p := range []string{f.Markdown, f.Chart, f.JSON} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", p, err)
		}
	}
}

// TestRunReportsBrokenServer checks that a server which does not echo fails
// the run (what makes -quick exit non-zero) instead of producing numbers.
func TestRunReportsBrokenServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds servers: skipped in -short mode")
	}
	saved := Servers
	t.Cleanup(func() { Servers = saved })
	Servers = append(Servers[:0:0], Server{Name: "net", Target: ModulePath + "/servers/net", Protocol: TCP},
		// A load generator is no echo server: it exits at once, never listening.
		Server{Name: "broken", Target: loadgenTarget, Protocol: TCP})
	cfg := NewConfig(true)
	cfg.Scenarios = []string{"c100-512"}
	cfg.Warmup, cfg.Duration = 50*time.Millisecond, 200*time.Millisecond
	cfg.OutDir = t.TempDir()
	cfg.Log = logWriter{t}
	report, err := Run(context.Background(), cfg)
	if err == nil || report == nil || len(report.Failures) != 1 || !strings.HasPrefix(report.Failures[0], "broken, c100-512:") {
		t.Fatalf("err = %v, report failures %v; want broken's start failure", err, report)
	}
	if !strings.Contains(report.Markdown(), "| broken | failed |") {
		t.Error("the report does not show the failed row")
	}
}
