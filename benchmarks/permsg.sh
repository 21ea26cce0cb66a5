# permsg.sh is sourced by syscalls.sh and cpusplit.sh: it builds the servers
# they run and the load generator into $bin, and runs one server under one
# echo load. Not a command of its own.

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/loadgen" ./cmd/loadgen
go build -o "$bin/netman" ./servers/netman
go build -o "$bin/netman-ws" ./servers/netman-ws
go build -o "$bin/tlsconn" ./servers/tlsconn
go build -o "$bin/wsconn" ./servers/wsconn
(cd ../examples && go build -o "$bin/echo" ./echo)

# echo_load PORT PID PROTOCOL DEPTH DURATION: waits until the server listens
# on PORT, runs the load generator's echo against it (100 connections x 512
# B, 1 ms warm-up; LOADGEN_PREFIX, if set, goes before it, as taskset) and
# leaves its JSON result in $bin/load.json. PID is a
# command that prints the server's process ID once it runs.
echo_load() {
	local port=$1 pidcmd=$2 proto=$3 depth=$4 duration=$5 pid=""
	for _ in $(seq 50); do
		pid=$($pidcmd || true)
		[ -n "$pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		sleep 0.1
	done
	${LOADGEN_PREFIX:-} "$bin/loadgen" -addr "127.0.0.1:$port" -protocol "$proto" -depth "$depth" \
		-duration "$duration" -warmup 1ms -pid "$pid" >"$bin/load.json"
	kill -INT "$pid"
}

# field NAME: the number the load generator's result gives for NAME.
field() { grep -o "\"$1\":[0-9.e+]*" "$bin/load.json" | cut -d: -f2; }
