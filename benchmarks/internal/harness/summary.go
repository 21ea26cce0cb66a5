package harness

import (
	"fmt"
	"strings"
)

// summaryMarkdown renders RESULTS.md: how the numbers are made, then the
// latest run's tables, with links to its files under resultsDir.
func (r *Report) summaryMarkdown(resultsDir string) string {
	date := r.Date.Format("2006-01-02")
	var b strings.Builder
	fmt.Fprintf(&b, `# Benchmark results

<!-- Written by `+"`go run ./cmd/bench`"+` (a full run); edit internal/harness/summary.go, not this file. -->

Latest full run: **%s** on %s, %d cores (Linux %s, %s):
[tables](%s/%s.md), [chart](%s/%s.png), [every round as JSON](%s/%s.json).

![chart](%s/%s.png)

Absolute numbers depend on the machine and on whatever else it runs; the ratios
hold because every server is measured in the same run, back to back, servers
alternating round by round.

## Rerun it

From the repository root:

    cd benchmarks && go run ./cmd/bench                       # full run, about 19 minutes on 2 cores (5 rounds; TLS and WebSocket rows at 100 connections); rewrites results/ and this file
    cd benchmarks && go run ./cmd/bench -quick                # seconds per scenario, results to a temp dir (CI smoke test)
    cd benchmarks && go run ./cmd/bench -servers netpoll,gnet -scenarios c1000-512,idle -out /tmp/b
    cd benchmarks && go run ./cmd/bench -scenarios p100-512,p100-4k,slow   # pipelined echo and the slow reader only

`+"`-servers`"+` takes %s; `+"`-scenarios`"+` takes %s (%s is left out of the default run). `+"`go run ./cmd/bench -h`"+` lists the rest.

## How the numbers are made

- **Processes.** The harness builds every server and the load generator with
  `+"`go build`"+` into `+"`benchmarks/.build/`"+` (git-ignored) and starts each
  measurement with a fresh server process on a free port (the harness listens on
  127.0.0.1:0, closes, and passes `+"`-addr`"+`). It waits until the port accepts,
  reports a server that exits or never listens with its output, and stops every
  process it started (process groups, SIGTERM then SIGKILL, also on Ctrl-C).
- **Placement.** %s Every server gets %d event loop(s) (gnet `+"`WithNumEventLoop`"+`,
  nbio `+"`NPoller`"+`, netpoll `+"`WithLoops`"+`, netman `+"`WithNumEventLoop`"+`) and GOMAXPROCS=%d, so each uses one core;
  net runs its goroutine per connection under the same GOMAXPROCS. The load
  generator runs with GOMAXPROCS=1 on the other core.
- **Echo.** The load generator opens N connections and keeps one message in
  flight on each: write an 8-byte header (payload length and message ID, uint32
  little-endian, ID 0) and the payload, read the whole echo, compare every byte
  (each payload carries a sequence number), record the round trip in a
  log-linear histogram (bounded memory, under 1.6%% error). After the warm-up it
  counts the echoes completed in the window: messages/s, MB/s (payload, one way),
  p50 and p99. Each scenario runs %d round(s) per server; tables give the median.
- **Pipelined echo.** The p scenarios ("%d in flight" tables) keep %d messages
  in flight per connection: each connection writes them in one write (one
  masked frame each over WebSocket; over TLS one write of the client's
  crypto/tls, so the messages share records), then reads and
  checks every echo, and starts again. Each message's round trip runs from
  that write to its own echo. This is where coalescing writes shows: a
  server that answers the %d messages of one read in one write does a
  quarter of the system calls of one that writes each reply.
- **CPU per message.** The server's utime+stime from `+"`/proc/PID/stat`"+`, read by
  the load generator right before and after the window, divided by the messages
  of the window. The load generator is a closed loop on one core, so at high
  rates it (not the server) may set messages/s; CPU per message is the fairer
  measure of a server's cost.
- **Memory per idle connection.** A fresh server; its VmRSS (from
  `+"`/proc/PID/status`"+`, as the OS sees it, no forced GC) sampled every 100 ms
  until five samples agree within 0.5%%; then %s connections, each sending one
  short message and reading its echo, then idling; VmRSS sampled again until it
  settles; (after - before) / connections. A sample of the connections echoes once
  more afterwards, to prove the server still holds them. The 1,000,000-connection
  figure multiplies that by 1,000,000: an extrapolation, labelled as one.
- **Why 10,000 and not a million.** A process on this machine may hold at most
  20,000 open descriptors (`+"`ulimit -n`"+` is 20,000 soft and hard, and the hard
  limit cannot be raised: the sandbox withholds CAP_SYS_RESOURCE, so
  `+"`ulimit -Hn 30000`"+` fails with "Operation not permitted" even as root). A
  server spends one descriptor per connection plus a few for its listener and
  poller, so one server process stops near 20,000 connections, and so does one
  load generator process holding the client ends. 10,000 keeps both well below
  the limit. Memory per connection is flat at that scale, so the linear
  extrapolation is what a million connections would cost in the server's user
  space (kernel socket buffers are not in RSS and come on top).
- **TLS and WebSocket.** The same echo runs over TLS and over WebSocket. TLS:
  the load generator's crypto/tls client (TLS 1.3, certificate not verified)
  completes the handshake while connecting, before any window; every TLS server
  makes an in-memory ECDSA P-256 self-signed certificate at start. The tlsconn
  row is netman's raw TLS echo (tlsconn on a bare netpoll server), written like
  cryptotls, which is a raw echo too: that pair compares the TLS transports, as
  netpoll and net do for TCP. netman-tls is the netman row's routed echo over
  TLS (decoding, routing, worker pool). WebSocket:
  ws://host:port/, each write of the load generator is one masked binary frame
  (one message), the server echoes each message, and the load generator reads
  the echoed payloads as a stream. Each protocol gets its own tables, and a
  row is compared only with rows of its protocol: "vs" the
  goroutine-per-connection server of that protocol (net for TCP, cryptotls for
  TLS, gorilla for WebSocket) and "vs best peer", the best non-netman row of
  that protocol. The idle TLS scenario holds %s connections.
- **Large message.** A fresh server; one connection writes a %s framed message
  while reading the echo back; time from the first byte written to the last byte
  read (every byte verified), and the server's peak RSS (VmHWM) afterwards.
- **Slow reader.** A fresh server; one connection writes %s as %s
  messages (with the 8-byte header over TCP and TLS, one binary message each
  over WebSocket) as fast as the server accepts them, while it reads the echo
  at %s/s in %s reads: a phone on a weak link. Time from the first byte
  written to the last byte read; every reply is checked byte for byte; a
  server that drops replies or closes the connection is reported as such
  ("lost N of M replies"), not as a failed run, and its time is not compared.
  The server's peak RSS (VmHWM) afterwards shows what it bought the delivery
  with: a server that keeps reading from a client that does not read must
  buffer the replies somewhere.
- **C epoll echo.** `+"`servers/cepoll`"+` is a small C server (one thread,
  level-triggered epoll, non-blocking sockets, one write per read, a partial
  write kept and the socket not read until it drains): the floor a Go reactor
  is held against. The harness compiles it with the system C compiler (`+"`cc`"+`,
  `+"`gcc`"+` or `+"`clang`"+`, `+"`-O2`"+`) into a temporary directory; where there is none, the
  row is skipped with a note.
- **Noise.** Other work on the machine shows up as noise in every server alike;
  the rounds alternate servers (each round starting one server later) so a
  burst does not land on one of them only; the tables give the rounds' spread and
  how busy each side's core was, and the report the load average before and after.
  Nothing here is asserted in a test: `+"`go test`"+` (TestQuickRun) only checks
  that the harness runs and every echo is right.

`, date, r.CPU, r.Cores, r.Kernel, r.GoVersion,
		resultsDir, date, resultsDir, date, resultsDir, date, resultsDir, date,
		strings.Join(ServerNames(), ", "), strings.Join(ScenarioNames(), ", "), strings.Join(optionalScenarios(), ", "),
		placement(r.Pinned), r.Loops, r.Loops, r.Rounds, PipelineDepth, PipelineDepth, PipelineDepth,
		thousands(r.IdleConns), thousands(r.idleConns(TLS)), bytesLabel(int64(r.LargeSize)),
		bytesLabel(int64(r.SlowSize)), bytesLabel(int64(r.SlowMsgSize)), bytesLabel(int64(r.SlowRate)), bytesLabel(int64(r.SlowReadSize)))

	fmt.Fprintf(&b, "## Latest run (%s)\n\n", date)
	md := r.Markdown()
	// Drop the run's own title; keep its setup lines and tables, one heading
	// level down.
	if _, rest, ok := strings.Cut(md, "\n\n"); ok {
		md = rest
	}
	b.WriteString(strings.ReplaceAll(md, "\n## ", "\n### "))
	return b.String()
}

// optionalScenarios names the scenarios a default run leaves out.
func optionalScenarios() []string {
	var out []string
	for _, s := range Scenarios {
		if s.Optional {
			out = append(out, s.Name)
		}
	}
	return out
}

func placement(pinned bool) string {
	if pinned {
		return "The server is pinned to CPU 0 and the load generator to CPU 1 (sched_setaffinity on the harness thread that forks each child, which the child inherits), so they do not compete for a core."
	}
	return "This run was not pinned (fewer than 2 cores, or -pin=false): server and load generator shared the cores."
}
