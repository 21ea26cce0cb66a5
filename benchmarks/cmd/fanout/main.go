// Command fanout measures fan-out: one sender, many receivers, each
// message to every connection. It builds servers/fanout, runs each -impl as
// its own process (GOMAXPROCS and event loops from -loops), opens the
// receivers, and sends in lockstep: the next message once every receiver
// has the last, so no server has to drop anything. It reports deliveries
// per second and the server's CPU time (from /proc) per delivery; for the
// cluster rows the receivers are spread over the nodes round robin, and
// -latency adds the round trip of two SendToUser hops between users on
// different nodes.
//
//	cd benchmarks && go run ./cmd/fanout                                # every row, 5,000 receivers
//	cd benchmarks && go run ./cmd/fanout -impls nbio,netman-sendmany -receivers 1000
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netman-go/netman/benchmarks/internal/proc"
	"github.com/netman-go/netman/framing"
)

func main() {
	impls := flag.String("impls", "netman-sendmany,netman-loop,net,gnet,nbio,cluster-1node,cluster-3nodes", "rows to run")
	receivers := flag.Int("receivers", 5000, "receiving connections")
	size := flag.Int("size", 64, "payload bytes per message")
	dur := flag.Duration("duration", 5*time.Second, "measured time per row")
	loops := flag.Int("loops", 1, "server event loops and GOMAXPROCS")
	latency := flag.Int("latency", 2000, "SendToUser round trips for the cluster-3nodes row (0: none)")
	flag.Parse()

	dir, err := os.MkdirTemp("", "fanout")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "fanout")
	if out, err := exec.Command("go", "build", "-o", bin, "./servers/fanout").CombinedOutput(); err != nil {
		log.Fatalf("build: %v\n%s", err, out)
	}
	fmt.Printf("fan-out: 1 sender, %d receivers, %d-byte messages, lockstep, %v per row, server -loops %d\n\n", *receivers, *size, *dur, *loops)
	fmt.Println("| server | deliveries/s | server CPU per delivery |")
	fmt.Println("|---|---:|---:|")
	for _, impl := range strings.Split(*impls, ",") {
		r, err := runRow(bin, impl, *receivers, *size, *dur, *loops, *latency)
		if err != nil {
			fmt.Printf("| %s | failed: %v | |\n", impl, err)
			continue
		}
		fmt.Printf("| %s | %.0f | %.2f us |\n", impl, r.rate, r.cpuPerDelivery*1e6)
		if r.rtts != nil {
			defer fmt.Printf("\n%s: SendToUser to a user on another node and back (two hops), %d round trips, while idle: p50 %v, p99 %v\n",
				impl, len(r.rtts), r.rtts[len(r.rtts)/2], r.rtts[len(r.rtts)*99/100])
		}
	}
}

type result struct {
	rate, cpuPerDelivery float64
	rtts                 []time.Duration
}

func freeAddr(n int) string {
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		ok := true
		for i := 1; i < n; i++ { // the next ports too, for the cluster's nodes
			if l2, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+i)); err == nil {
				l2.Close()
			} else {
				ok = false
			}
		}
		if ok {
			return fmt.Sprintf("127.0.0.1:%d", port)
		}
	}
}

func runRow(bin, impl string, receivers, size int, dur time.Duration, loops, latency int) (result, error) {
	nodes := 1
	if impl == "cluster-3nodes" {
		nodes = 3
	}
	addr := freeAddr(nodes)
	cmd := exec.Command(bin, "-impl", impl, "-addr", addr, "-loops", fmt.Sprint(loops))
	cmd.Stderr = os.Stderr
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	defer func() { cmd.Process.Signal(syscall.SIGINT); cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.Contains(line, "listening") {
		return result{}, fmt.Errorf("server did not start: %q %v", line, err)
	}
	go io.Copy(io.Discard, out)
	host, port := splitAddr(addr)
	nodeAddr := func(i int) string { return fmt.Sprintf("%s:%d", host, port+i%nodes) }
	cluster := strings.HasPrefix(impl, "cluster")

	var total atomic.Int64
	var target atomic.Int64
	target.Store(1 << 62)
	reached := make(chan struct{}, 1)
	conns := make([]net.Conn, 0, receivers+1)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < receivers; i++ {
		c, err := net.Dial("tcp", nodeAddr(i))
		if err != nil {
			return result{}, err
		}
		conns = append(conns, c)
		if cluster {
			if err := framing.WriteMessage(c, framing.Default, 2, []byte(fmt.Sprintf("r%d", i))); err != nil {
				return result{}, err
			}
		}
	}
	for _, c := range conns {
		if cluster { // the join's ack
			if _, _, err := framing.ReadMessage(c, framing.Default, 0); err != nil {
				return result{}, err
			}
		}
		go func(c net.Conn) {
			buf := make([]byte, 4096)
			for {
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				if total.Add(int64(n)) >= target.Load() {
					select {
					case reached <- struct{}{}:
					default:
					}
				}
			}
		}(c)
	}
	sender, err := net.Dial("tcp", nodeAddr(0))
	if err != nil {
		return result{}, err
	}
	conns = append(conns, sender)
	go io.Copy(io.Discard, sender) // non-cluster servers send to the sender too
	frame, _ := framing.Default.Pack(1, make([]byte, size))
	perRound := int64(receivers * len(frame))

	// Warm up until every receiver is registered (and, in a cluster, the
	// routes carry the room's interest): a round must reach everyone.
	deadline := time.Now().Add(30 * time.Second)
	for {
		before := total.Load()
		target.Store(before + perRound)
		if _, err := sender.Write(frame); err != nil {
			return result{}, err
		}
		select {
		case <-reached:
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return result{}, fmt.Errorf("warm-up: not every receiver is reached")
		}
		time.Sleep(300 * time.Millisecond) // stragglers of this round
		if total.Load()-before == perRound {
			break
		}
	}

	cpu0, err := proc.CPUTime(cmd.Process.Pid)
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	base := total.Load()
	rounds := int64(0)
	for time.Since(start) < dur {
		rounds++
		target.Store(base + rounds*perRound)
		if _, err := sender.Write(frame); err != nil {
			return result{}, err
		}
		for total.Load() < base+rounds*perRound {
			select {
			case <-reached:
			case <-time.After(10 * time.Second):
				return result{}, fmt.Errorf("round %d: %d of %d bytes after 10 s", rounds, total.Load()-base-(rounds-1)*perRound, perRound)
			}
		}
	}
	elapsed := time.Since(start)
	cpu1, _ := proc.CPUTime(cmd.Process.Pid)
	deliveries := float64(rounds) * float64(receivers)
	r := result{rate: deliveries / elapsed.Seconds(), cpuPerDelivery: (cpu1 - cpu0).Seconds() / deliveries}
	if impl == "cluster-3nodes" && latency > 0 {
		r.rtts, err = pingPong(nodeAddr(0), nodeAddr(1), latency)
	}
	return r, err
}

func splitAddr(addr string) (string, int) {
	h, p, _ := net.SplitHostPort(addr)
	var port int
	fmt.Sscan(p, &port)
	return h, port
}

// pingPong binds user pa on one node and pb on another; pa sends to pb
// with SendToUser, pb's client answers to pa the same way.
func pingPong(a, b string, n int) ([]time.Duration, error) {
	ca, err := net.Dial("tcp", a)
	if err != nil {
		return nil, err
	}
	defer ca.Close()
	cb, err := net.Dial("tcp", b)
	if err != nil {
		return nil, err
	}
	defer cb.Close()
	for _, x := range []struct {
		c    net.Conn
		name string
	}{{ca, "pa"}, {cb, "pb"}} {
		framing.WriteMessage(x.c, framing.Default, 2, []byte(x.name))
		if _, _, err := framing.ReadMessage(x.c, framing.Default, 0); err != nil {
			return nil, err
		}
	}
	to := func(user string) []byte { return append([]byte{byte(len(user))}, user...) }
	go func() { // pb answers every message addressed to it
		for {
			id, _, err := framing.ReadMessage(cb, framing.Default, 0)
			if err != nil {
				return
			}
			if id == 3 {
				framing.WriteMessage(cb, framing.Default, 3, to("pa"))
			}
		}
	}()
	time.Sleep(500 * time.Millisecond) // the routes learn pa's and pb's interest
	rtts := make([]time.Duration, 0, n)
	ca.SetReadDeadline(time.Now().Add(60 * time.Second))
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if err := framing.WriteMessage(ca, framing.Default, 3, to("pb")); err != nil {
			return nil, err
		}
		for {
			id, _, err := framing.ReadMessage(ca, framing.Default, 0)
			if err != nil {
				return nil, err
			}
			if id == 3 {
				break
			}
		}
		rtts = append(rtts, time.Since(t0))
	}
	sort.Slice(rtts, func(i, j int) bool { return rtts[i] < rtts[j] })
	return rtts, nil
}
