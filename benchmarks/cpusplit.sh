#!/usr/bin/env bash
# cpusplit.sh splits a server's CPU per echoed message into user and system
# time (utime and stime from /proc/PID/stat), with four messages in flight
# per connection (100 connections x 512 B, 4 s, one event loop, server
# pinned to CPU 0 with GOMAXPROCS=1, load generator on CPU 1). System time
# per message is the kernel's TCP work, the same for every server that writes
# once per read; the user time is what the server's own code adds.
#
#   cd benchmarks && ./cpusplit.sh          # DEPTH=1 ./cpusplit.sh for one in flight
#
# Linux only (taskset, /proc). Rounds are noisy on a shared machine: run it
# twice and compare rows of one run.
set -euo pipefail
cd "$(dirname "$0")"
depth=${DEPTH:-4}
tick=$(getconf CLK_TCK)
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/loadgen" ./cmd/loadgen
go build -o "$bin/netman" ./servers/netman
go build -o "$bin/netman-ws" ./servers/netman-ws
go build -o "$bin/tlsconn" ./servers/tlsconn
(cd ../examples && go build -o "$bin/echo" ./echo)

# run ROW PROTOCOL SERVER-ARGS...
run() {
	local row=$1 proto=$2
	shift 2
	local port=$((20000 + RANDOM % 20000))
	GOMAXPROCS=1 taskset -c 0 "$@" -addr "127.0.0.1:$port" >/dev/null 2>&1 &
	local pid=$!
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		sleep 0.1
	done
	local u0 s0 u1 s1 msgs
	read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
	msgs=$(taskset -c 1 "$bin/loadgen" -addr "127.0.0.1:$port" -protocol "$proto" -depth "$depth" \
		-duration 4s -warmup 1ms -pid "$pid" | grep -o '"messages":[0-9]*' | cut -d: -f2)
	read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
	kill -INT "$pid"
	wait "$pid" || true
	awk -v row="$row" -v m="$msgs" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v t="$tick" 'BEGIN {
		printf "| %s | %d | %.2f us | %.2f us | %.2f us |\n", row, m, u * 1e6 / t / m, s * 1e6 / t / m, (u + s) * 1e6 / t / m
	}'
}

echo "| server ($depth in flight) | messages | user/msg | system/msg | total/msg |"
echo "|---|--:|--:|--:|--:|"
run netpoll tcp "$bin/echo" -loops 1
run netman tcp "$bin/netman" -loops 1
run netman-onloop tcp "$bin/netman" -loops 1 -on-loop
run tlsconn tls "$bin/tlsconn" -loops 1
run netman-tls tls "$bin/netman" -loops 1 -tls
run netman-ws ws "$bin/netman-ws" -loops 1
