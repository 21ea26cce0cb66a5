// Package harness runs the benchmark: it builds every server and the load
// generator into their own binaries, starts each server as a fresh process
// pinned to one core, drives it from the load generator pinned to another,
// and reports absolute numbers and ratios against the goroutine-per-connection
// server of the same protocol (net, cryptotls, gorilla) and the best peer.
package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/netman-go/netman/benchmarks/internal/loadgen"
	"github.com/netman-go/netman/benchmarks/internal/proc"
)

// CPU placement when pinning: the server gets one core, the load generator
// the other.
const (
	serverCPU = 0
	loadCPU   = 1
)

type runner struct {
	cfg     Config
	dirs    Dirs
	loadgen string            // load generator binary
	bins    map[string]string // server name -> binary
	cdir    string            // temp dir of the C servers' binaries
	report  *Report
	step    int
	steps   int
}

// Run builds and measures cfg's servers in cfg's scenarios, writes the report
// into cfg.OutDir (and cfg.Summary) and returns it. The error wraps ErrFailed
// when a server failed to build or start or a measurement failed (an echo
// that differed included); the report then lists the failures. Every process
// Run starts is stopped before it returns, also when ctx is cancelled.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	defer StopAll()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	servers, err := selectServers(cfg.Servers)
	if err != nil {
		return nil, err
	}
	scenarios, err := selectScenarios(cfg.Scenarios)
	if err != nil {
		return nil, err
	}
	dirs, err := FindDirs()
	if err != nil {
		return nil, err
	}
	if cfg.Pin && runtime.NumCPU() < 2 {
		cfg.Pin = false
	}
	r := &runner{cfg: cfg, dirs: dirs, bins: map[string]string{}, report: newReport(cfg, servers, scenarios)}
	defer func() {
		if r.cdir != "" {
			os.RemoveAll(r.cdir)
		}
	}()
	if err := r.buildAll(ctx, servers); err != nil {
		return nil, err
	}
	for _, sc := range scenarios {
		n := 0
		for _, s := range servers {
			if _, ok := r.bins[s.Name]; ok && sc.appliesTo(s) {
				n++
			}
		}
		if sc.Kind == KindEcho {
			n *= cfg.Rounds
		}
		r.steps += n
	}
	for _, sc := range scenarios {
		if err := r.scenario(ctx, sc, servers); err != nil {
			return nil, err
		}
	}
	r.report.LoadAvgEnd = loadAvg()
	r.report.finish()
	if err := r.report.write(cfg); err != nil {
		return r.report, err
	}
	if len(r.report.Failures) > 0 {
		return r.report, fmt.Errorf("%w:\n%s", ErrFailed, strings.Join(r.report.Failures, "\n"))
	}
	return r.report, nil
}

func (r *runner) logf(format string, args ...any) {
	fmt.Fprintf(r.cfg.Log, format+"\n", args...)
}

// buildAll builds the load generator (a failure ends the run) and every
// server (a failure is recorded and the server left out).
func (r *runner) buildAll(ctx context.Context, servers []Server) error {
	r.logf("building into %s (go build in %s; server tags %q)", r.dirs.Build, r.dirs.Root, r.cfg.Tags)
	bin, err := build(ctx, r.dirs, "loadgen", loadgenTarget, "")
	if err != nil {
		return err
	}
	r.loadgen = bin
	for _, s := range servers {
		if err := r.buildServer(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// buildServer builds server s: a build failure is recorded and the server
// left out, a C server without a C compiler skipped with a note. Only a
// cancelled ctx is returned.
func (r *runner) buildServer(ctx context.Context, s Server) error {
	r.logf("  %-8s %s", s.Name, s.Target)
	var bin string
	var err error
	if s.C {
		bin, err = r.buildC(ctx, s)
	} else {
		bin, err = build(ctx, r.dirs, s.Name, s.Target, r.cfg.Tags)
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, ErrNoCompiler):
		r.skip(s.Name, err)
	case err != nil:
		r.fail(s.Name, "build", err)
	default:
		r.bins[s.Name] = bin
	}
	return nil
}

// buildC builds a C server into the run's temp dir.
func (r *runner) buildC(ctx context.Context, s Server) (string, error) {
	if r.cdir == "" {
		d, err := os.MkdirTemp("", "netman-bench-c-")
		if err != nil {
			return "", err
		}
		r.cdir = d
	}
	return buildC(ctx, r.dirs, r.cdir, s.Name, s.Target)
}

// skip leaves a server out of the run with a note (not a failure).
func (r *runner) skip(server string, err error) {
	msg := fmt.Sprintf("%s: skipped, %v", server, err)
	r.report.Skipped = append(r.report.Skipped, msg)
	r.logf("SKIPPED %s", msg)
}

func (r *runner) fail(server, what string, err error) {
	msg := fmt.Sprintf("%s, %s: %v", server, what, err)
	r.report.Failures = append(r.report.Failures, msg)
	r.logf("FAILED %s", msg)
}

func (r *runner) scenario(ctx context.Context, sc Scenario, servers []Server) error {
	rounds := 1
	if sc.Kind == KindEcho {
		rounds = r.cfg.Rounds
	}
	for round := 1; round <= rounds; round++ {
		// Each round starts one server later, so no server always follows
		// the same one (and inherits its leftovers: TIME_WAIT sockets, a
		// warm or cold cache).
		for k := range servers {
			s := servers[(k+round-1)%len(servers)]
			bin, ok := r.bins[s.Name]
			if !ok || !sc.appliesTo(s) {
				continue
			}
			r.step++
			label := sc.titleFor(r.cfg, s.Protocol)
			if rounds > 1 {
				label += fmt.Sprintf(", round %d/%d", round, rounds)
			}
			r.logf("[%d/%d] %s: %s", r.step, r.steps, label, s.Name)
			res, err := r.measure(ctx, s, bin, sc)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				r.fail(s.Name, sc.Name, err)
				continue
			}
			r.logf("        %s", summary(res))
			r.report.add(sc, s.Name, res)
		}
	}
	return nil
}

// measure runs one scenario against a fresh process of server s.
func (r *runner) measure(ctx context.Context, s Server, bin string, sc Scenario) (loadgen.Result, error) {
	addr, err := freeAddr()
	if err != nil {
		return loadgen.Result{}, err
	}
	if portTaken(addr) {
		return loadgen.Result{}, fmt.Errorf("%w: %s", ErrPortTaken, addr)
	}
	serverCPUArg, loadCPUArg := -1, -1
	if r.cfg.Pin {
		serverCPUArg, loadCPUArg = serverCPU, loadCPU
	}
	loops := strconv.Itoa(r.cfg.Loops)
	args := append([]string{"-addr", addr, "-loops", loops}, s.Args...)
	srv, err := start(s.Name, bin, args, []string{"GOMAXPROCS=" + loops}, serverCPUArg, nil)
	if err != nil {
		return loadgen.Result{}, err
	}
	defer srv.stop(5 * time.Second)
	if err := waitListening(ctx, srv, addr, 20*time.Second); err != nil {
		return loadgen.Result{}, err
	}

	largs := []string{"-addr", addr, "-pid", strconv.Itoa(srv.PID()), "-protocol", string(s.Protocol)}
	timeout := 2 * time.Minute
	switch sc.Kind {
	case KindEcho:
		timeout = r.cfg.Warmup + r.cfg.Duration + time.Minute
		largs = append(largs, "-mode", "echo", "-conns", strconv.Itoa(sc.Conns), "-size", strconv.Itoa(sc.Size),
			"-depth", strconv.Itoa(sc.depth()), "-warmup", r.cfg.Warmup.String(), "-duration", r.cfg.Duration.String())
	case KindIdle:
		settle := 10 * time.Second
		if r.cfg.Quick {
			settle = 2 * time.Second
		}
		largs = append(largs, "-mode", "idle", "-conns", strconv.Itoa(r.cfg.idleConns(s.Protocol)), "-settle", settle.String())
	case KindLarge:
		if r.cfg.Quick {
			timeout = 30 * time.Second
		}
		largs = append(largs, "-mode", "large", "-size", strconv.Itoa(r.cfg.LargeSize))
	case KindSlow:
		// Reading alone takes SlowSize/SlowRate; a minute on top for the
		// rest (and a server that stalls).
		timeout = time.Duration(float64(r.cfg.SlowSize)/float64(r.cfg.SlowRate)*float64(time.Second)) + time.Minute
		largs = append(largs, "-mode", "slow", "-size", strconv.Itoa(r.cfg.SlowSize), "-msg-size", strconv.Itoa(r.cfg.SlowMsgSize),
			"-rate", strconv.Itoa(r.cfg.SlowRate), "-read-size", strconv.Itoa(r.cfg.SlowReadSize))
	}
	largs = append(largs, "-timeout", timeout.String())

	var stdout bytes.Buffer
	lg, err := start("loadgen", r.loadgen, largs, []string{"GOMAXPROCS=1"}, loadCPUArg, &stdout)
	if err != nil {
		return loadgen.Result{}, err
	}
	select {
	case <-lg.done:
	case <-ctx.Done():
		_ = lg.stop(time.Second)
		return loadgen.Result{}, ctx.Err()
	case <-time.After(timeout + 10*time.Second):
		_ = lg.stop(time.Second)
		return loadgen.Result{}, fmt.Errorf("%w: load generator still running after %v", ErrLoad, timeout)
	}
	_ = lg.stop(time.Second)
	if srv.exited() {
		return loadgen.Result{}, fmt.Errorf("%w: %s exited during the run (%s); its output:\n%s", ErrStart, s.Name, exitError(srv.err), indent(srv.out.String()))
	}
	var res loadgen.Result
	if jerr := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &res); jerr != nil {
		return loadgen.Result{}, fmt.Errorf("%w: %s; its output:\n%s", ErrLoad, exitError(lg.err), indent(lg.out.String()))
	}
	if res.Error != "" || lg.err != nil {
		return loadgen.Result{}, fmt.Errorf("%w: %s (%s); server output:\n%s", ErrLoad, res.Error, exitError(lg.err), indent(srv.out.String()))
	}
	if res.Echo == nil && res.Idle == nil && res.Large == nil && res.Slow == nil {
		return loadgen.Result{}, fmt.Errorf("%w: empty result", ErrLoad)
	}
	return res, nil
}

// summary is a one-line account of a load generator result.
func summary(r loadgen.Result) string {
	switch {
	case r.Echo != nil:
		e := r.Echo
		return fmt.Sprintf("%s msg/s, %.1f MB/s, p50 %s, p99 %s, server CPU %.2f us/msg",
			thousands(int(e.MsgPerSec)), e.MBPerSec, durLabel(e.P50), durLabel(e.P99), e.CPUPerMsg/1e3)
	case r.Idle != nil:
		return fmt.Sprintf("RSS %s -> %s: %s B/conn", mib(r.Idle.RSSBefore), mib(r.Idle.RSSAfter), thousands(int(r.Idle.PerConn)))
	case r.Large != nil:
		return fmt.Sprintf("%s in %s, peak RSS %s", bytesLabel(int64(r.Large.Size)), durLabel(r.Large.Elapsed), mib(r.Large.HWM))
	case r.Slow != nil:
		return fmt.Sprintf("%s in %s, %s, peak RSS %s", bytesLabel(int64(r.Slow.Size)), durLabel(r.Slow.Elapsed), slowOutcome(r.Slow), mib(r.Slow.HWM))
	}
	return ""
}

// loadAvg returns the 1-minute load average, or -1 if unknown.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}

// host describes the machine for the report.
func host() (cpu string, cores int, kernel string) {
	k, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return proc.CPUModel(), runtime.NumCPU(), strings.TrimSpace(string(k))
}
