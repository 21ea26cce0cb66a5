package examples

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// build compiles a program of this module into the test's temp dir.
func build(t *testing.T, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(filepath.Dir(pkg))+"-"+filepath.Base(pkg))
	out, err := exec.Command("go", "build", "-o", bin, "./"+pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// proc is a started program whose output is scanned line by line.
type proc struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	seen  chan struct{}
}

func run(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	return runIn(t, "", bin, args...)
}

// runIn starts bin in dir ("" for the test's own directory).
func runIn(t *testing.T, dir, bin string, args ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	p := &proc{cmd: exec.CommandContext(ctx, bin, args...), seen: make(chan struct{}, 1)}
	p.cmd.Dir = dir
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.cmd.Stdout
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		// The seed's server prints whole messages (100 MiB lines): keep
		// the first 4 KiB of each line, but read everything so the
		// program never blocks on a full pipe.
		r := bufio.NewReaderSize(out, 64<<10)
		var line []byte
		for {
			frag, more, err := r.ReadLine()
			if keep := 4096 - len(line); keep > 0 {
				line = append(line, frag[:min(len(frag), keep)]...)
			}
			if !more && (err == nil || len(line) > 0) {
				p.mu.Lock()
				p.lines = append(p.lines, string(line))
				p.mu.Unlock()
				line = line[:0]
				select {
				case p.seen <- struct{}{}:
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		p.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
		}
		cancel()
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(bin), p.output())
		}
	})
	return p
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// waitLine waits until a line contains all of the parts.
func (p *proc) waitLine(t *testing.T, parts ...string) {
	t.Helper()
	deadline := time.After(90 * time.Second)
	for {
		p.mu.Lock()
		for _, l := range p.lines {
			ok := true
			for _, part := range parts {
				ok = ok && strings.Contains(l, part)
			}
			if ok {
				p.mu.Unlock()
				return
			}
		}
		p.mu.Unlock()
		select {
		case <-p.seen:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no line with %q", parts)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// portFree reports whether 127.0.0.1:port can be bound (the seed's
// programs use the fixed port 6565).
func portFree(port int) bool {
	ln, err := net.Listen("tcp", fmt.Sprintf("0.0.0.0:%d", port))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// TestSeedTCPExample runs the seed README's TCP server and client, as
// written (port 6565): the client sends 100 MiB and prints the echo.
func TestSeedTCPExample(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	needSeedPort(t)
	srv := run(t, build(t, "seed/tcp/server"))
	srv.waitLine(t, "netman server started")
	cli := run(t, build(t, "seed/tcp/client"))
	cli.waitLine(t, "recv msgID[0] len[104857600]")
	srv.waitLine(t, "onOpen")
	srv.waitLine(t, "Front middleware")
	srv.waitLine(t, "conn.send.n 104857608 send err <nil> recv len() 104857600")
}

// TestTCPExample runs our TCP example pair, including the broadcast and the
// authentication group.
func TestTCPExample(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	srv := run(t, build(t, "tcp/server"), "-addr", addr)
	srv.waitLine(t, "netman server started")
	listener := run(t, build(t, "tcp/client"), "-addr", addr, "-size", "16", "-count", "1")
	listener.waitLine(t, "message 1: 16 bytes echoed")
	cli := run(t, build(t, "tcp/client"), "-addr", addr, "-size", "8388608", "-count", "2", "-interval", "100ms")
	cli.waitLine(t, "message 2: 8388608 bytes echoed")
	srv.waitLine(t, "closed")
}

// certDir writes a throwaway certificate with examples/tls/gencert.
func certDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command(build(t, "tls/gencert"), "-dir", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("gencert: %v\n%s", err, out)
	}
	return dir
}

// TestSeedTLSExample runs the seed README's TLS server (which loads
// ./server.pem and ./server.key, so it runs in the certificate's folder)
// and its crypto/tls client sending 2 MiB once a second.
func TestSeedTLSExample(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	needSeedPort(t)
	dir := certDir(t)
	srv := runIn(t, dir, build(t, "seed/tls/server"))
	srv.waitLine(t, "netman server started")
	cli := run(t, build(t, "seed/tls/client"))
	cli.waitLine(t, "recv msgID[1] len[2097152]")
	srv.waitLine(t, "conn.Send.n 2097160 Send.error <nil>")
}

func TestTLSExample(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	dir := certDir(t)
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	srv := run(t, build(t, "tls/server"), "-addr", addr, "-cert", filepath.Join(dir, "server.pem"), "-key", filepath.Join(dir, "server.key"))
	srv.waitLine(t, "netman server started")
	cli := run(t, build(t, "tls/client"), "-addr", addr, "-count", "2", "-interval", "100ms")
	cli.waitLine(t, "message 2: 2097152 bytes echoed intact")
}

// TestEchoExample runs the README's bare-reactor demo: it prints its
// address and PID, echoes, and stops cleanly on SIGTERM.
func TestEchoExample(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	srv := run(t, build(t, "echo"), "-addr", addr, "-loops", "2")
	srv.waitLine(t, "echo listening on "+addr, "pid")
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	c.Write([]byte("ping"))
	b := make([]byte, 4)
	if _, err := io.ReadFull(c, b); err != nil || string(b) != "ping" {
		t.Fatalf("echo: %q %v", b, err)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.waitLine(t, "echo stopped")
}
