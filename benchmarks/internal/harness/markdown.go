package harness

import (
	"fmt"
	"strings"
	"time"

	"github.com/netman-go/netman/benchmarks/internal/loadgen"
)

// Markdown renders the report: the machine and settings, then one table per
// scenario and protocol with absolute numbers and ratios against the
// protocol's baseline (see Baselines) and the best peer of that protocol.
func (r *Report) Markdown() string {
	var b strings.Builder
	title := "netman benchmark"
	if r.Quick {
		title += " (quick smoke run: these numbers mean nothing)"
	}
	fmt.Fprintf(&b, "# %s, %s\n\n", title, r.Date.Format("2006-01-02"))
	r.writeSetup(&b)
	r.writeCosts(&b)
	for _, t := range r.Echo {
		r.writeEcho(&b, t)
	}
	for _, p := range r.protocols() {
		if r.ranIdle {
			r.writeIdle(&b, p)
		}
	}
	for _, p := range r.protocols() {
		if r.ranLarge {
			r.writeLarge(&b, p)
		}
	}
	for _, p := range r.protocols() {
		if r.ranSlow {
			r.writeSlow(&b, p)
		}
	}
	if len(r.Skipped) > 0 {
		b.WriteString("## Skipped\n\n")
		for _, s := range r.Skipped {
			fmt.Fprintf(&b, "- %s\n", s)
		}
		b.WriteString("\n")
	}
	if len(r.Failures) > 0 {
		b.WriteString("## Failures\n\n")
		for _, f := range r.Failures {
			fmt.Fprintf(&b, "- %s\n", strings.ReplaceAll(strings.TrimSpace(f), "\n", "\n  "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (r *Report) writeSetup(b *strings.Builder) {
	fmt.Fprintf(b, "- Command: `%s` (from `benchmarks/`), started %s\n", r.Command, r.Date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(b, "- Machine: %s, %d cores, Linux %s, %s; 1-minute load average %.2f at the start, %.2f at the end (shared machine: other work is noise)\n",
		r.CPU, r.Cores, r.Kernel, r.GoVersion, r.LoadAvgStart, r.LoadAvgEnd)
	if busy := max(r.LoadAvgStart, r.LoadAvgEnd); busy > float64(r.Cores) {
		fmt.Fprintf(b, "- **Warning:** the machine was busy with other work (load average up to %.1f on %d cores): throughput and latency are unreliable in this run; memory per connection is not affected. Look at the \"core busy\" shares below each table.\n", busy, r.Cores)
	}
	pin := "not pinned (fewer than 2 cores, or -pin=false)"
	if r.Pinned {
		pin = "server pinned to CPU 0, load generator to CPU 1 (sched_setaffinity, inherited from the forking thread)"
	}
	fmt.Fprintf(b, "- Placement: %s; every server runs with %d event loop(s)/thread(s) and GOMAXPROCS=%d, the load generator with GOMAXPROCS=1\n", pin, r.Loops, r.Loops)
	fmt.Fprintf(b, "- Echo: closed loop, one 8-byte-header message in flight per connection (the \"in flight\" tables: that many written in one write, then all read back), every echo verified; %v warm-up then %v measured, %d round(s) per server with servers alternating, median reported\n", r.Warmup, r.Duration, r.Rounds)
	var names []string
	for _, s := range r.Servers {
		n := s.Name
		if s.Netman {
			n += " (netman)"
		}
		target := fmt.Sprintf("`%s`", s.Target)
		if s.C {
			target = fmt.Sprintf("`benchmarks/%s/*.c` (C, built with the system compiler, -O2)", s.Target)
		}
		names = append(names, fmt.Sprintf("%s = %s", n, target))
	}
	fmt.Fprintf(b, "- Servers: %s\n\n", strings.Join(names, "; "))
}

func (r *Report) writeEcho(b *strings.Builder, t *EchoTable) {
	fmt.Fprintf(b, "## %s\n\n", t.Title)
	base := Baselines[t.Protocol]
	name := func(i int) string { return t.Rows[i].Server }
	has := func(i int) bool { return len(t.Rows[i].Rounds) > 0 }
	tput := r.references(base, len(t.Rows), name, func(i int) (float64, bool) { return t.Rows[i].MsgPerSec, has(i) }, true)
	cpu := r.references(base, len(t.Rows), name, func(i int) (float64, bool) { return t.Rows[i].CPUPerMsg, has(i) }, false)
	p99 := r.references(base, len(t.Rows), name, func(i int) (float64, bool) { return float64(t.Rows[i].P99), has(i) }, false)
	fmt.Fprintf(b, "| server | msg/s | rounds spread | MB/s | p50 | p99 | server CPU/msg | msg/s vs %[1]s | msg/s vs best peer | CPU/msg vs %[1]s | CPU/msg vs best peer | p99 vs %[1]s | p99 vs best peer |\n", base)
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for i, row := range t.Rows {
		if !has(i) {
			fmt.Fprintf(b, "| %s | %s | | | | | | | | | | | |\n", r.label(row.Server), r.missing(row.Server))
			continue
		}
		fmt.Fprintf(b, "| %s | %s | %.0f%% | %.1f | %s | %s | %.2f us | %s | %s | %s | %s | %s | %s |\n",
			r.label(row.Server), thousands(int(row.MsgPerSec)), 100*row.Spread, row.MBPerSec, durLabel(row.P50), durLabel(row.P99), row.CPUPerMsg/1e3,
			tput.vsNet(row.MsgPerSec, true), tput.vsBest(row.MsgPerSec, true),
			cpu.vsNet(row.CPUPerMsg, true), cpu.vsBest(row.CPUPerMsg, true),
			p99.vsNet(float64(row.P99), true), p99.vsBest(float64(row.P99), true))
	}
	fmt.Fprintf(b, "\nBest peer: msg/s %s, CPU/msg %s, p99 %s. Ratios are the row divided by the reference: above 1 is better for msg/s, below 1 is better for CPU/msg and p99. MB/s counts payload one way; rounds spread is (max - min) / median of the rounds' msg/s.",
		orDash(tput.bestName), orDash(cpu.bestName), orDash(p99.bestName))
	var busy []string
	for i, row := range t.Rows {
		if has(i) {
			busy = append(busy, fmt.Sprintf("%s %.0f%% / %.0f%%", row.Server, 100*row.ServerBusy, 100*row.LoadBusy))
		}
	}
	if len(busy) > 0 {
		fmt.Fprintf(b, " Core busy, server / load generator: %s.", strings.Join(busy, ", "))
	}
	b.WriteString("\n\n")
}

func (r *Report) writeIdle(b *strings.Builder, p Protocol) {
	rows := protocolRows(r.Idle, p, func(row *IdleRow) Protocol { return row.Protocol })
	if p == TCP {
		fmt.Fprintf(b, "## Memory per idle connection (%s connections)\n\n", thousands(r.idleConns(p)))
	} else {
		fmt.Fprintf(b, "## Memory per idle %s connection (%s connections)\n\n", p.Label(), thousands(r.idleConns(p)))
	}
	base := Baselines[p]
	name := func(i int) string { return rows[i].Server }
	val := func(i int) (float64, bool) {
		if rows[i].Result == nil {
			return 0, false
		}
		return rows[i].Result.PerConn, true
	}
	ref := r.references(base, len(rows), name, val, false)
	fmt.Fprintf(b, "| server | RSS before | RSS with all idle | bytes/conn | vs %s | vs best peer | 1,000,000 conns (extrapolated) |\n", base)
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|\n")
	for i, row := range rows {
		v, ok := val(i)
		if !ok {
			fmt.Fprintf(b, "| %s | %s | | | | | |\n", r.label(row.Server), r.missing(row.Server))
			continue
		}
		note := ""
		if !row.Result.Settled {
			note = " (RSS still moving)"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s%s | %s | %s | %s |\n", r.label(row.Server), mib(row.Result.RSSBefore), mib(row.Result.RSSAfter),
			thousands(int(v)), note, ref.vsNet(v, true), ref.vsBest(v, true), gib(v*1e6))
	}
	fmt.Fprintf(b, "\nBest peer: %s. Each connection sent one short message and got its echo, then idled; bytes/conn = (settled VmRSS with all connections idle - settled VmRSS before) / connections, in a fresh server process. The last column multiplies bytes/conn by 1,000,000: an extrapolation, not a measurement (one process here cannot hold more than 20,000 descriptors).\n\n", orDash(ref.bestName))
}

func (r *Report) writeLarge(b *strings.Builder, p Protocol) {
	rows := protocolRows(r.Large, p, func(row *LargeRow) Protocol { return row.Protocol })
	title := fmt.Sprintf("One %s message", bytesLabel(int64(r.LargeSize)))
	if p != TCP {
		title += ", " + p.Label()
	}
	fmt.Fprintf(b, "## %s\n\n", title)
	base := Baselines[p]
	tv, hv, tref, href := timeAndPeak(r, base, rows, func(row *LargeRow) (time.Duration, int64, bool) {
		if row.Result == nil {
			return 0, 0, false
		}
		return row.Result.Elapsed, row.Result.HWM, true
	}, nil)
	fmt.Fprintf(b, "| server | echo time | MB/s | peak RSS (VmHWM) | time vs %[1]s | time vs best peer | peak RSS vs %[1]s | peak RSS vs best peer |\n", base)
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for i, row := range rows {
		t, ok := tv(i)
		if !ok {
			fmt.Fprintf(b, "| %s | %s | | | | | | |\n", r.label(row.Server), r.missing(row.Server))
			continue
		}
		h, _ := hv(i)
		fmt.Fprintf(b, "| %s | %s | %.0f | %s | %s | %s | %s | %s |\n", r.label(row.Server), durLabel(row.Result.Elapsed),
			float64(row.Result.Size)/1e6/row.Result.Elapsed.Seconds(), mib(row.Result.HWM),
			tref.vsNet(t, true), tref.vsBest(t, true), href.vsNet(h, true), href.vsBest(h, true))
	}
	fmt.Fprintf(b, "\nBest peer: time %s, peak RSS %s. One connection writes the header and payload while reading the echo back; time runs from the first byte written to the last byte read, every byte verified. Peak RSS is the server's VmHWM after the echo, in a fresh process.",
		orDash(tref.bestName), orDash(href.bestName))
	if p == WS {
		fmt.Fprintf(b, " Over WebSocket the load generator writes the header, then the payload in 1 MiB chunks, each write one message: the server echoes a stream of messages, not one %s message.", bytesLabel(int64(r.LargeSize)))
	}
	b.WriteString("\n\n")
}

func (r *Report) writeSlow(b *strings.Builder, p Protocol) {
	rows := protocolRows(r.Slow, p, func(row *SlowRow) Protocol { return row.Protocol })
	title := fmt.Sprintf("Slow reader: %s echo in %s messages, read at %s/s", bytesLabel(int64(r.SlowSize)), bytesLabel(int64(r.SlowMsgSize)), bytesLabel(int64(r.SlowRate)))
	if p != TCP {
		title += ", " + p.Label()
	}
	fmt.Fprintf(b, "## %s\n\n", title)
	base := Baselines[p]
	// A row that lost replies did less work: its time is no reference.
	tv, hv, tref, href := timeAndPeak(r, base, rows, func(row *SlowRow) (time.Duration, int64, bool) {
		if row.Result == nil {
			return 0, 0, false
		}
		return row.Result.Elapsed, row.Result.HWM, true
	}, func(row *SlowRow) bool { return row.Result.Intact() })
	fmt.Fprintf(b, "| server | replies | echo time | peak RSS (VmHWM) | peak RSS growth | time vs %[1]s | time vs best peer | peak RSS vs %[1]s | peak RSS vs best peer |\n", base)
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for i, row := range rows {
		res := row.Result
		if res == nil {
			fmt.Fprintf(b, "| %s | %s | | | | | | | |\n", r.label(row.Server), r.missing(row.Server))
			continue
		}
		t, tok := tv(i)
		h, _ := hv(i)
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.label(row.Server), slowOutcome(res), durLabel(res.Elapsed),
			mib(res.HWM), mib(res.HWM-res.HWMBefore), tref.vsNet(t, tok), tref.vsBest(t, tok), href.vsNet(h, true), href.vsBest(h, true))
	}
	fmt.Fprintf(b, "\nBest peer: time %s, peak RSS %s. One connection writes %s as %s messages (%s) as fast as the server takes them while it reads the echo at %s/s in %s reads; time runs from the first byte written to the last byte read. Every reply is checked byte for byte: \"all N intact\" means every message came back whole, in order; a row that lost replies says how many and how the connection ended, and its time is not compared. Peak RSS is the server's VmHWM after the echo, in a fresh process; growth is VmHWM after minus VmHWM before the first message.",
		orDash(tref.bestName), orDash(href.bestName), bytesLabel(int64(r.SlowSize)), bytesLabel(int64(r.SlowMsgSize)), slowFraming(p),
		bytesLabel(int64(r.SlowRate)), bytesLabel(int64(r.SlowReadSize)))
	b.WriteString("\n\n")
}

// timeAndPeak returns, for the rows of a time-and-peak-RSS table, the
// value functions of the two metrics (false for a row without a result)
// and their references. timed, if not nil, says whether a row's time counts
// (a row that did less work is shown but not compared).
func timeAndPeak[R interface{ server() string }](r *Report, base string, rows []R, get func(R) (time.Duration, int64, bool), timed func(R) bool) (tv, hv func(int) (float64, bool), tref, href reference) {
	name := func(i int) string { return rows[i].server() }
	tv = func(i int) (float64, bool) {
		t, _, ok := get(rows[i])
		if ok && timed != nil && !timed(rows[i]) {
			ok = false
		}
		return float64(t), ok
	}
	hv = func(i int) (float64, bool) {
		_, h, ok := get(rows[i])
		return float64(h), ok
	}
	return tv, hv, r.references(base, len(rows), name, tv, false), r.references(base, len(rows), name, hv, false)
}

func (row *LargeRow) server() string { return row.Server }
func (row *SlowRow) server() string  { return row.Server }

// slowFraming says how the slow reader's messages are framed over p.
func slowFraming(p Protocol) string {
	if p == WS {
		return "one binary message each"
	}
	return "each with the 8-byte header"
}

// slowOutcome is what came back to the slow reader: "all 512 intact", or
// the replies lost and how the connection ended.
func slowOutcome(s *loadgen.SlowResult) string {
	if s.Intact() {
		return fmt.Sprintf("all %s intact", thousands(s.Messages))
	}
	out := fmt.Sprintf("**lost %s of %s replies**", thousands(s.Lost), thousands(s.Messages))
	if s.Corrupt {
		out = fmt.Sprintf("**corrupt after %s of %s replies**", thousands(s.Received), thousands(s.Messages))
	}
	if s.Ending != "" {
		out += " (" + s.Ending + ")"
	}
	return out
}

// protocolRows returns the rows of protocol p.
func protocolRows[R any](rows []R, p Protocol, proto func(R) Protocol) []R {
	var out []R
	for _, row := range rows {
		if proto(row) == p {
			out = append(out, row)
		}
	}
	return out
}

// label marks netman's rows in bold.
func (r *Report) label(server string) string {
	if r.netman(server) {
		return "**" + server + "**"
	}
	return server
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// durLabel formats a duration with three significant digits.
func durLabel(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.0f us", float64(d)/1e3)
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func gib(n float64) string { return fmt.Sprintf("%.2f GiB", n/(1<<30)) }
