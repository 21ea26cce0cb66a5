package harness

import (
	"strings"
	"testing"

	"github.com/netman-go/netman/benchmarks/internal/loadgen"
)

func TestCostTable(t *testing.T) {
	r, scenarios := testReport(t, []string{"netpoll", "netman", "netman-pool", "gnet", "tlsconn"}, []string{"c100-512", "p100-512"})
	cpu := func(ns float64) loadgen.Result {
		return loadgen.Result{Echo: &loadgen.EchoResult{MsgPerSec: 1, CPUPerMsg: ns}}
	}
	add := func(sc Scenario, server string, ns ...float64) {
		for _, v := range ns {
			r.add(sc, server, cpu(v))
		}
	}
	c1, p4 := scenarios[0], scenarios[1]
	// Round by round, netman costs 1.10, 1.30 and 1.20 times netpoll: the
	// median of the ratios is 1.20, although the ratio of the two rows'
	// medians (6000 / 4000 = 1.50) is not.
	add(c1, "netpoll", 5000, 3000, 4000)
	add(c1, "netman", 5500, 3900, 4800)
	// Four in flight: 1.25 and 1.35, median 1.30, past the target.
	add(p4, "netpoll", 2000, 2000)
	add(p4, "netman", 2500, 2700)
	// netman-pool ran only at one in flight, one round: no range.
	add(c1, "netman-pool", 4400)
	// gnet: netpoll is 0.80 and 1.00 of it; 0.90 is under 1.
	add(c1, "gnet", 6250, 3000)
	r.finish()
	md := r.Markdown()
	mustContain(t, md, []string{
		"| ratio | target | c100-512 | p100-512 |",
		"| **netman** ÷ netpoll | at most 1.2x | 1.20 (1.10–1.30) | **1.30** (1.25–1.35) |",
		"| **netman-pool** ÷ netpoll | at most 1.2x | 0.88 |  |",
		"| **netpoll** ÷ gnet | under 1.0x | 0.90 (0.80–1.00) |  |",
	})
	// tlsconn ran but netman-tls did not, and there is no C echo: no rows.
	for _, no := range []string{"netman-tls", "cepoll"} {
		if strings.Contains(md, "| **"+no) || strings.Contains(md, "÷ "+no) {
			t.Errorf("cost table has a row for %s, which did not run\n%s", no, md)
		}
	}
	if at := strings.Index(md, "## Server CPU per message against"); at < 0 || at > strings.Index(md, "## Echo") && strings.Contains(md, "## Echo") {
		t.Errorf("the cost table does not come before the echo tables\n%s", md)
	}
}

func TestPairedRatioEvenAndMissing(t *testing.T) {
	row := &EchoRow{Rounds: []loadgen.EchoResult{{CPUPerMsg: 2}, {CPUPerMsg: 0}, {CPUPerMsg: 3}, {CPUPerMsg: 6}}}
	ref := &EchoRow{Rounds: []loadgen.EchoResult{{CPUPerMsg: 1}, {CPUPerMsg: 1}, {CPUPerMsg: 2}}}
	// Round 2 has no CPU figure and round 4 no partner: ratios 2 and 1.5.
	c, ok := pairedRatio(row, ref)
	if !ok || c.Rounds != 2 || c.Median != 1.75 || c.Min != 1.5 || c.Max != 2 {
		t.Fatalf("pairedRatio = %+v, %v; want median 1.75 of 2 rounds (1.5-2)", c, ok)
	}
	if _, ok := pairedRatio(&EchoRow{}, ref); ok {
		t.Fatal("a row without rounds gave a ratio")
	}
}
