package server

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netman-go/netman/netman/iface"
)

// countingWS echoes messages and counts events.
type countingWS struct{ opens, msgs, closes atomic.Int64 }

func (h *countingWS) Open(iface.IConnect)  { h.opens.Add(1) }
func (h *countingWS) Close(iface.IConnect) { h.closes.Add(1) }
func (h *countingWS) Message(r iface.IRequest) {
	r.GetConnect().Text(r.GetMessage().Bytes())
	h.msgs.Add(1)
}

// rss returns the resident set size of this process in bytes (0 where
// /proc is missing).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// settle collects garbage and returns freed memory to the system, so heap
// and RSS show what is live.
func settle() (heap uint64, resident int64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	debug.FreeOSMemory()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, rss()
}

// TestWebsocketIdleMemory holds 10,000 WebSocket connections that each
// upgraded, sent one message and got its echo, then went idle, and reports
// the server's heap and RSS per connection. The clients run in a child
// process (this test binary) because client and server together would need
// more than the 20,000 descriptors a process may open here. Without -race
// the heap must stay at or under 600 bytes per idle connection (RSS is only
// reported: it moves with the runtime's page reuse). NETMAN_WS_CONNS
// changes the count.
func TestWebsocketIdleMemory(t *testing.T) {
	skipOnPortable(t, "its bound on heap per idle connection is the reactor's (a goroutine stack and a read buffer per connection)")
	if testing.Short() {
		t.Skip("short mode")
	}
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("NETMAN_WS_CONNS")); err == nil && v > 0 {
		n = v
	}
	if os.Getenv("NETMAN_WS_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 1 // every allocation, for an exact profile of what the connections keep
	}
	h := &countingWS{}
	s := Websocket("127.0.0.1", 0, h, WithLogOutput(io.Discard), WithNumEventLoop(2))
	addr := start(t, s)
	heap0, rss0 := settle()
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	t.Logf("before: heap in use %d, stacks %d, spans %d, GC sys %d, other sys %d",
		ms0.HeapInuse, ms0.StackInuse, ms0.MSpanInuse, ms0.GCSys, ms0.OtherSys)

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWebsocketClients$", "-test.v")
	cmd.Env = append(os.Environ(), "NETMAN_WS_HELPER_ADDR="+addr, "NETMAN_WS_HELPER_CONNS="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if sc.Text() == "ALL ECHOED, IDLE" {
				ready <- true
			}
		}
		ready <- false
	}()
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	select {
	case ok := <-ready:
		if !ok {
			cmd.Wait()
			t.Fatalf("client process failed:\n%s", out.String())
		}
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		t.Fatal("client process did not finish connecting")
	}
	waitFor(t, "every message handled", func() bool { return h.msgs.Load() == int64(n) })
	heap1, rss1 := settle()
	heapPer := float64(int64(heap1)-int64(heap0)) / float64(n)
	rssPer := float64(rss1-rss0) / float64(n)
	t.Logf("%d idle WebSocket connections: heap %.0f bytes/conn, RSS %.0f bytes/conn (heap %d -> %d, RSS %d -> %d)",
		n, heapPer, rssPer, heap0, heap1, rss0, rss1)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("after: heap in use %d, stacks %d, spans %d, GC sys %d, other sys %d, goroutines %d",
		ms.HeapInuse, ms.StackInuse, ms.MSpanInuse, ms.GCSys, ms.OtherSys, runtime.NumGoroutine())
	if s.GetConnectMgr().Len() != n || h.opens.Load() != int64(n) {
		t.Fatalf("%d registered, %d opened, want %d", s.GetConnectMgr().Len(), h.opens.Load(), n)
	}
	if !raceEnabled && heapPer > 600 {
		t.Errorf("heap per idle WebSocket connection is %.0f bytes, want at most 600", heapPer)
	}
	if path := os.Getenv("NETMAN_WS_HEAPPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		pprof.Lookup("heap").WriteTo(f, 0)
		f.Close()
		t.Logf("heap profile of the idle connections: %s", path)
	}
	stdin.Close() // the clients close their connections
	waitFor(t, "every Close", func() bool { return h.closes.Load() == int64(n) })
}

// TestHelperWebsocketClients is the client side of TestWebsocketIdleMemory;
// it does nothing unless started by it. It upgrades every connection,
// exchanges one message on each, reports, and keeps them open until its
// stdin closes.
func TestHelperWebsocketClients(t *testing.T) {
	addr := os.Getenv("NETMAN_WS_HELPER_ADDR")
	if addr == "" {
		t.Skip("helper process only")
	}
	n, _ := strconv.Atoi(os.Getenv("NETMAN_WS_HELPER_CONNS"))
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	const want = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
	req := []byte("GET /?n=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
	cs := make([]net.Conn, n)
	defer func() {
		for _, c := range cs {
			if c != nil {
				c.Close()
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			resp := make([]byte, len(want))
			for i := w; i < n; i += 32 {
				c, err := net.DialTimeout("tcp", addr, 10*time.Second)
				if err != nil {
					errs <- err
					return
				}
				cs[i] = c
				c.SetDeadline(time.Now().Add(60 * time.Second))
				if _, err := c.Write(req); err != nil {
					errs <- err
					return
				}
				if _, err := io.ReadFull(c, resp); err != nil || string(resp) != want {
					errs <- fmt.Errorf("conn %d upgrade: %q %v", i, resp, err)
					return
				}
				msg := []byte(fmt.Sprintf("conn %d says hello", i))
				frame := append([]byte{0x81, 0x80 | byte(len(msg))}, 0, 0, 0, 0) // zero mask: payload in clear
				if _, err := c.Write(append(frame, msg...)); err != nil {
					errs <- err
					return
				}
				echo := make([]byte, 2+len(msg))
				if _, err := io.ReadFull(c, echo); err != nil || !bytes.Equal(echo[2:], msg) || echo[0] != 0x81 {
					errs <- fmt.Errorf("conn %d echo: %q %v", i, echo, err)
					return
				}
				c.SetDeadline(time.Time{})
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	fmt.Println("ALL ECHOED, IDLE")
	io.Copy(io.Discard, os.Stdin) // until the parent closes it
}
