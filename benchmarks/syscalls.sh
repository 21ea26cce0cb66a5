#!/usr/bin/env bash
# syscalls.sh counts the system calls a server makes per echoed message, with
# one and with four messages in flight per connection, under strace -c -f
# (100 connections, 512-byte payloads, 3 s, one event loop). It is the check
# that the routed path writes once per batch, as the bare reactor does: at
# four in flight both should make about 0.25 write calls per message.
#
#   cd benchmarks && ./syscalls.sh            # needs strace (apt-get install strace)
#
# strace slows every system call, so the rates it prints are not the
# benchmark's; only the counts per message mean something. Message counts
# come from the load generator (the measured window; the warm-up is 1 ms).
set -euo pipefail
command -v strace >/dev/null || { echo "syscalls.sh: strace not found (apt-get install strace)" >&2; exit 1; }
cd "$(dirname "$0")"
. ./permsg.sh

# run ROW DEPTH PROTOCOL SERVER-ARGS...: one server under strace, one load.
run() {
	local row=$1 depth=$2 proto=$3
	shift 3
	local port=$((20000 + RANDOM % 20000))
	strace -c -f -o "$bin/trace" "$@" -addr "127.0.0.1:$port" >/dev/null 2>&1 &
	local tracer=$!
	echo_load "$port" "pgrep -P $tracer" "$proto" "$depth" 3s
	wait "$tracer" || true
	awk -v row="$row" -v depth="$depth" -v m="$(field messages)" '
		{ c[$NF] = $4 }
		END {
			printf "| %s | %d | %d | %.3f | %.3f | %.3f | %.3f |\n", row, depth, m,
				c["read"] / m, (c["write"] + c["writev"]) / m,
				(c["epoll_wait"] + c["epoll_pwait"]) / m, c["futex"] / m
		}' "$bin/trace"
}

echo "| server | in flight | messages | read/msg | write+writev/msg | epoll_wait/msg | futex/msg |"
echo "|---|--:|--:|--:|--:|--:|--:|"
for depth in 1 4; do
	run netpoll "$depth" tcp "$bin/echo" -loops 1
	run netman "$depth" tcp "$bin/netman" -loops 1
	run netman-onloop "$depth" tcp "$bin/netman" -loops 1 -on-loop
	run netman-pool "$depth" tcp "$bin/netman" -loops 1 -pool
	run netman-tls "$depth" tls "$bin/netman" -loops 1 -tls
	run wsconn "$depth" ws "$bin/wsconn" -loops 1
	run netman-ws "$depth" ws "$bin/netman-ws" -loops 1
done
