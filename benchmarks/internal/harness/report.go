package harness

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/netman-go/netman/benchmarks/internal/loadgen"
)

// Report is everything one run measured, with the machine and settings it ran
// on. It is written as <date>.json beside the markdown and the chart.
type Report struct {
	// Date is when the run started.
	Date time.Time `json:"date"`
	// CPU is the processor's model name.
	CPU string `json:"cpu"`
	// Cores is the number of logical CPUs.
	Cores int `json:"cores"`
	// Kernel is the Linux release.
	Kernel string `json:"kernel"`
	// LoadAvgStart and LoadAvgEnd are the machine's 1-minute load average
	// when the run started and ended: other work shows up as noise.
	LoadAvgStart float64 `json:"loadavg_start"`
	// LoadAvgEnd is the 1-minute load average when the run ended.
	LoadAvgEnd float64 `json:"loadavg_end"`
	// GoVersion is the toolchain that built the servers.
	GoVersion string `json:"go_version"`
	// Command is the command line that produced the report.
	Command string `json:"command"`
	// Quick marks a smoke-test run, whose numbers mean nothing.
	Quick bool `json:"quick"`
	// Loops is each server's event loops, threads and GOMAXPROCS.
	Loops int `json:"loops"`
	// Pinned tells whether server and load generator ran on separate cores.
	Pinned bool `json:"pinned"`
	// Warmup precedes each measured window.
	Warmup time.Duration `json:"warmup"`
	// Duration is each measured window.
	Duration time.Duration `json:"duration"`
	// Rounds is the number of windows per server and echo scenario.
	Rounds int `json:"rounds"`
	// IdleConns is the number of idle connections in the memory scenario.
	IdleConns int `json:"idle_conns"`
	// TLSIdleConns caps IdleConns for TLS rows.
	TLSIdleConns int `json:"tls_idle_conns"`
	// LargeSize is the large message's payload size.
	LargeSize int `json:"large_size"`
	// SlowSize, SlowMsgSize, SlowRate and SlowReadSize describe the slow
	// reader: bytes echoed, message payload, bytes per second, read size.
	SlowSize int `json:"slow_size"`
	// SlowMsgSize is the payload of each message to the slow reader.
	SlowMsgSize int `json:"slow_msg_size"`
	// SlowRate is the slow reader's pace in bytes per second.
	SlowRate int `json:"slow_rate"`
	// SlowReadSize is the slow reader's read size.
	SlowReadSize int `json:"slow_read_size"`
	// Servers are the rows, in order.
	Servers []ServerInfo `json:"servers"`
	// Echo holds one table per echo scenario run and protocol.
	Echo []*EchoTable `json:"echo"`
	// Idle holds the idle memory rows, if that scenario ran.
	Idle []*IdleRow `json:"idle,omitempty"`
	// Large holds the large message rows, if that scenario ran.
	Large []*LargeRow `json:"large,omitempty"`
	// Slow holds the slow-reader rows, if that scenario ran.
	Slow []*SlowRow `json:"slow,omitempty"`
	// Failures lists every failed build, start or measurement.
	Failures []string `json:"failures,omitempty"`
	// Skipped lists the servers left out and why (a C row without a C
	// compiler): not failures.
	Skipped []string `json:"skipped,omitempty"`

	ranIdle, ranLarge, ranSlow bool
}

// ServerInfo is one server of the run.
type ServerInfo struct {
	// Name labels the row.
	Name string `json:"name"`
	// Target is the package built.
	Target string `json:"target"`
	// Netman marks netman's own servers.
	Netman bool `json:"netman"`
	// Protocol is how the load generator reached it; rows are compared
	// within a protocol only.
	Protocol Protocol `json:"protocol"`
	// C marks a C server, Target its source directory.
	C bool `json:"c,omitempty"`
}

// EchoTable is one echo scenario's rows of one protocol.
type EchoTable struct {
	// Scenario is the scenario's name.
	Scenario string `json:"scenario"`
	// Protocol is the protocol of every row.
	Protocol Protocol `json:"protocol"`
	// Title is its heading.
	Title string `json:"title"`
	// Conns, Size and Depth describe the load.
	Conns int `json:"conns"`
	// Depth is the messages in flight per connection.
	Depth int `json:"depth"`
	// Size is the payload size.
	Size int `json:"size"`
	// Rows has one row per server, in registry order.
	Rows []*EchoRow `json:"rows"`
}

// EchoRow is one server's result in an echo scenario: the median of its
// rounds, metric by metric.
type EchoRow struct {
	// Server is the server's name.
	Server string `json:"server"`
	// Rounds are the individual measurements.
	Rounds []loadgen.EchoResult `json:"rounds"`
	// MsgPerSec is the median messages per second.
	MsgPerSec float64 `json:"msg_per_sec"`
	// MBPerSec is the median payload megabytes per second, one way.
	MBPerSec float64 `json:"mb_per_sec"`
	// P50 is the median of the rounds' median latencies.
	P50 time.Duration `json:"p50"`
	// P99 is the median of the rounds' 99th percentile latencies.
	P99 time.Duration `json:"p99"`
	// CPUPerMsg is the median server CPU time per message, in nanoseconds.
	CPUPerMsg float64 `json:"cpu_ns_per_msg"`
	// Spread is (max-min)/median of the rounds' messages per second: how
	// much the machine's noise moved this row.
	Spread float64 `json:"spread"`
	// ServerBusy is the median share of the window the server spent on a
	// CPU (1 = one core busy throughout).
	ServerBusy float64 `json:"server_busy"`
	// LoadBusy is the same for the load generator: near 1, its core set the
	// pace rather than the server.
	LoadBusy float64 `json:"load_busy"`
}

// IdleRow is one server's memory per idle connection.
type IdleRow struct {
	// Server is the server's name.
	Server string `json:"server"`
	// Protocol is the server's protocol.
	Protocol Protocol `json:"protocol"`
	// Result is the measurement, nil if it failed.
	Result *loadgen.IdleResult `json:"result"`
}

// SlowRow is one server's slow-reader result.
type SlowRow struct {
	// Server is the server's name.
	Server string `json:"server"`
	// Protocol is the server's protocol.
	Protocol Protocol `json:"protocol"`
	// Result is the measurement, nil if it failed.
	Result *loadgen.SlowResult `json:"result"`
}

// LargeRow is one server's large message result.
type LargeRow struct {
	// Server is the server's name.
	Server string `json:"server"`
	// Protocol is the server's protocol.
	Protocol Protocol `json:"protocol"`
	// Result is the measurement, nil if it failed.
	Result *loadgen.LargeResult `json:"result"`
}

func newReport(cfg Config, servers []Server, scenarios []Scenario) *Report {
	cpu, cores, kernel := host()
	r := &Report{
		Date: time.Now(), CPU: cpu, Cores: cores, Kernel: kernel, GoVersion: runtime.Version(), LoadAvgStart: loadAvg(),
		Command: cfg.Command, Quick: cfg.Quick, Loops: cfg.Loops, Pinned: cfg.Pin,
		Warmup: cfg.Warmup, Duration: cfg.Duration, Rounds: cfg.Rounds,
		IdleConns: cfg.IdleConns, TLSIdleConns: cfg.TLSIdleConns, LargeSize: cfg.LargeSize,
		SlowSize: cfg.SlowSize, SlowMsgSize: cfg.SlowMsgSize, SlowRate: cfg.SlowRate, SlowReadSize: cfg.SlowReadSize,
	}
	for _, s := range servers {
		r.Servers = append(r.Servers, ServerInfo{Name: s.Name, Target: s.Target, Netman: s.Netman, Protocol: s.Protocol, C: s.C})
	}
	for _, sc := range scenarios {
		switch sc.Kind {
		case KindEcho:
			// One table per protocol: TLS rows are compared with TLS rows only.
			for _, p := range Protocols {
				t := &EchoTable{Scenario: sc.Name, Protocol: p, Title: sc.titleFor(cfg, p), Conns: sc.Conns, Size: sc.Size, Depth: sc.depth()}
				for _, s := range servers {
					if s.Protocol == p && sc.appliesTo(s) {
						t.Rows = append(t.Rows, &EchoRow{Server: s.Name})
					}
				}
				if len(t.Rows) > 0 {
					r.Echo = append(r.Echo, t)
				}
			}
		case KindIdle:
			r.ranIdle = true
			for _, s := range servers {
				r.Idle = append(r.Idle, &IdleRow{Server: s.Name, Protocol: s.Protocol})
			}
		case KindLarge:
			r.ranLarge = true
			for _, s := range servers {
				r.Large = append(r.Large, &LargeRow{Server: s.Name, Protocol: s.Protocol})
			}
		case KindSlow:
			r.ranSlow = true
			for _, s := range servers {
				r.Slow = append(r.Slow, &SlowRow{Server: s.Name, Protocol: s.Protocol})
			}
		}
	}
	return r
}

// protocols returns the protocols of the run's servers, in table order.
func (r *Report) protocols() []Protocol {
	var out []Protocol
	for _, p := range Protocols {
		if slices.ContainsFunc(r.Servers, func(s ServerInfo) bool { return s.Protocol == p }) {
			out = append(out, p)
		}
	}
	return out
}

// idleConns is the number of connections of protocol p's idle scenario.
func (r *Report) idleConns(p Protocol) int {
	return Config{IdleConns: r.IdleConns, TLSIdleConns: r.TLSIdleConns}.idleConns(p)
}

// add records one measurement.
func (r *Report) add(sc Scenario, server string, res loadgen.Result) {
	switch {
	case res.Echo != nil:
		for _, t := range r.Echo {
			if t.Scenario == sc.Name {
				for _, row := range t.Rows {
					if row.Server == server {
						row.Rounds = append(row.Rounds, *res.Echo)
					}
				}
			}
		}
	case res.Idle != nil:
		for _, row := range r.Idle {
			if row.Server == server {
				row.Result = res.Idle
			}
		}
	case res.Large != nil:
		for _, row := range r.Large {
			if row.Server == server {
				row.Result = res.Large
			}
		}
	case res.Slow != nil:
		for _, row := range r.Slow {
			if row.Server == server {
				row.Result = res.Slow
			}
		}
	}
}

// finish computes each echo row's medians.
func (r *Report) finish() {
	for _, t := range r.Echo {
		for _, row := range t.Rows {
			if len(row.Rounds) == 0 {
				continue
			}
			row.MsgPerSec = median(row.Rounds, func(e loadgen.EchoResult) float64 { return e.MsgPerSec })
			lo, hi := row.Rounds[0].MsgPerSec, row.Rounds[0].MsgPerSec
			for _, e := range row.Rounds {
				lo, hi = min(lo, e.MsgPerSec), max(hi, e.MsgPerSec)
			}
			if row.MsgPerSec > 0 {
				row.Spread = (hi - lo) / row.MsgPerSec
			}
			row.MBPerSec = median(row.Rounds, func(e loadgen.EchoResult) float64 { return e.MBPerSec })
			row.P50 = time.Duration(median(row.Rounds, func(e loadgen.EchoResult) float64 { return float64(e.P50) }))
			row.P99 = time.Duration(median(row.Rounds, func(e loadgen.EchoResult) float64 { return float64(e.P99) }))
			row.CPUPerMsg = median(row.Rounds, func(e loadgen.EchoResult) float64 { return e.CPUPerMsg })
			row.ServerBusy = median(row.Rounds, func(e loadgen.EchoResult) float64 { return busy(e.ServerCPU, e.Window) })
			row.LoadBusy = median(row.Rounds, func(e loadgen.EchoResult) float64 { return busy(e.LoadCPU, e.Window) })
		}
	}
}

// busy is cpu as a share of window.
func busy(cpu, window time.Duration) float64 {
	if window <= 0 {
		return 0
	}
	return float64(cpu) / float64(window)
}

// median returns the median of f over rounds (the mean of the middle two for
// an even count).
func median(rounds []loadgen.EchoResult, f func(loadgen.EchoResult) float64) float64 {
	v := make([]float64, len(rounds))
	for i, e := range rounds {
		v[i] = f(e)
	}
	return medianOf(v)
}

// medianOf sorts v, which must not be empty, and returns its median.
func medianOf(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// missing is what a row without a measurement shows: "skipped" for a
// server left out (see Skipped), "failed" otherwise.
func (r *Report) missing(server string) string {
	for _, s := range r.Skipped {
		if strings.HasPrefix(s, server+":") {
			return "skipped"
		}
	}
	return "failed"
}

// netman reports whether the named server is one of netman's.
func (r *Report) netman(server string) bool {
	for _, s := range r.Servers {
		if s.Name == server {
			return s.Netman
		}
	}
	return false
}

// reference holds a metric's values for the two references rows are
// compared with: the protocol's baseline (net, cryptotls or gorilla: see
// Baselines), and the best peer (the best non-netman server of the table).
type reference struct {
	net, best float64
	hasNet    bool
	bestName  string
}

// references finds the baseline server's value and the best peer's value of
// a metric over a table's n rows; value returns false for a row without a
// measurement.
func (r *Report) references(base string, n int, name func(int) string, value func(int) (float64, bool), higherIsBetter bool) reference {
	var ref reference
	for i := 0; i < n; i++ {
		v, ok := value(i)
		if !ok || v <= 0 {
			continue
		}
		if name(i) == base {
			ref.net, ref.hasNet = v, true
		}
		if r.netman(name(i)) {
			continue
		}
		if ref.bestName == "" || (higherIsBetter && v > ref.best) || (!higherIsBetter && v < ref.best) {
			ref.best, ref.bestName = v, name(i)
		}
	}
	return ref
}

// ratio formats v/against as "1.23x", or "-" when either is missing.
func ratio(v float64, ok bool, against float64, has bool) string {
	if !ok || !has || against <= 0 || v <= 0 || math.IsInf(v, 0) {
		return "-"
	}
	return fmt.Sprintf("%.2fx", v/against)
}

func (ref reference) vsNet(v float64, ok bool) string {
	return ratio(v, ok, ref.net, ref.hasNet)
}

func (ref reference) vsBest(v float64, ok bool) string {
	return ratio(v, ok, ref.best, ref.bestName != "")
}
