package netpoll

import (
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestDescriptorExhaustion lowers the descriptor limit until accept fails
// with EMFILE. The accept path must back off (not spin), keep serving the
// connections it has, and accept the waiting ones once descriptors free up.
func TestDescriptorExhaustion(t *testing.T) {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Skip(err)
	}
	s := startServer(t, newEchoHandler(), WithLoops(1))
	first := dial(t, s)
	echo(t, first, "before")

	open := countFds(t)
	lim := old
	lim.Cur = uint64(open + 10)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skip(err)
	}
	restored := false
	restore := func() {
		if !restored {
			syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
			restored = true
		}
	}
	defer restore()

	// Fill the table with client sockets; the server's accepts then fail.
	var waiting []net.Conn
	for len(waiting) < 40 {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			break
		}
		waiting = append(waiting, c)
	}
	defer func() {
		for _, c := range waiting {
			c.Close()
		}
	}()
	waitFor(t, "an EMFILE accept error", func() bool { return s.Stats().AcceptErrors > 0 })
	errsAt := s.Stats().AcceptErrors
	time.Sleep(300 * time.Millisecond)
	// With backoff starting at 5 ms and doubling, 300 ms holds at most a
	// handful of retries; a spinning accept would fail millions of times.
	if n := s.Stats().AcceptErrors - errsAt; n > 50 {
		t.Fatalf("%d accept failures in 300ms: accept is spinning", n)
	}
	echo(t, first, "during") // existing connections keep working

	restore()
	for i, c := range waiting {
		echo(t, c, "after "+string(rune('a'+i%26)))
	}
}

func countFds(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("needs /proc:", err)
	}
	return len(ents)
}
