#!/usr/bin/env bash
# cpusplit.sh splits a server's CPU per echoed message into user and system
# time over the load generator's measured window (its server_user_cpu and
# server_system_cpu: utime and stime from /proc/PID/stat), with four
# messages in flight per connection (100 connections x 512 B, 4 s, one event
# loop, server pinned to CPU 0 with GOMAXPROCS=1, load generator on CPU 1).
# System time per message is the kernel's TCP work, the same for every
# server that writes once per read; the user time is what the server's own
# code adds.
#
#   cd benchmarks && ./cpusplit.sh          # DEPTH=1 ./cpusplit.sh for one in flight
#
# Linux only (taskset, /proc). Rounds are noisy on a shared machine: run it
# twice and compare rows of one run.
set -euo pipefail
cd "$(dirname "$0")"
depth=${DEPTH:-4}
. ./permsg.sh
LOADGEN_PREFIX="taskset -c 1"

# run ROW PROTOCOL SERVER-ARGS...
run() {
	local row=$1 proto=$2
	shift 2
	local port=$((20000 + RANDOM % 20000))
	GOMAXPROCS=1 taskset -c 0 "$@" -addr "127.0.0.1:$port" >/dev/null 2>&1 &
	local pid=$!
	echo_load "$port" "echo $pid" "$proto" "$depth" 4s
	wait "$pid" || true
	awk -v row="$row" -v m="$(field messages)" -v u="$(field server_user_cpu)" -v s="$(field server_system_cpu)" 'BEGIN {
		printf "| %s | %d | %.2f us | %.2f us | %.2f us |\n", row, m, u / 1e3 / m, s / 1e3 / m, (u + s) / 1e3 / m
	}'
}

echo "| server ($depth in flight) | messages | user/msg | system/msg | total/msg |"
echo "|---|--:|--:|--:|--:|"
run netpoll tcp "$bin/echo" -loops 1
run netman tcp "$bin/netman" -loops 1
run netman-onloop tcp "$bin/netman" -loops 1 -on-loop
run netman-pool tcp "$bin/netman" -loops 1 -pool
run tlsconn tls "$bin/tlsconn" -loops 1
run netman-tls tls "$bin/netman" -loops 1 -tls
run netman-tls-pool tls "$bin/netman" -loops 1 -tls -pool
run wsconn ws "$bin/wsconn" -loops 1
run netman-ws ws "$bin/netman-ws" -loops 1
run netman-ws-pool ws "$bin/netman-ws" -loops 1 -pool
