package harness

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// cepoll is the registry's C row.
func cepoll(t *testing.T) Server {
	t.Helper()
	for _, s := range Servers {
		if s.C {
			return s
		}
	}
	t.Fatal("no C server in the registry")
	return Server{}
}

// TestCEpoll builds the C echo with the system compiler and checks it keeps
// the contract of the Go servers: it announces its address and PID, echoes
// every byte (many connections, a burst larger than the socket buffers,
// read back slowly) and exits with status 0 on SIGTERM.
func TestCEpoll(t *testing.T) {
	if !slices.ContainsFunc(CCompilers, func(c string) bool { _, err := exec.LookPath(c); return err == nil }) {
		if os.Getenv("CI") != "" {
			t.Fatal("no C compiler under CI (.ci/run installs gcc)")
		}
		t.Skip("no C compiler")
	}
	dirs, err := FindDirs()
	if err != nil {
		t.Fatal(err)
	}
	s := cepoll(t)
	bin, err := buildC(context.Background(), dirs, t.TempDir(), s.Name, s.Target)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	out := &tailBuffer{max: 4096}
	p, err := start(s.Name, bin, []string{"-addr", addr, "-loops", "1"}, nil, -1, out)
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop(time.Second)
	if err := waitListening(context.Background(), p, addr, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("cepoll echo listening on %s pid %d\n", addr, p.PID()); out.String() != want {
		t.Fatalf("announced %q, want %q", out.String(), want)
	}

	// More than the server's send buffer and the client's receive buffer
	// hold: the server's writes come up short while the client does not
	// read.
	const conns, size = 4, 16 << 20
	errs := make(chan error, conns)
	for i := range conns {
		go func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			// A small receive buffer (no autotuning) makes sure the
			// server's socket fills.
			_ = c.(*net.TCPConn).SetReadBuffer(64 << 10)
			_ = c.SetDeadline(time.Now().Add(time.Minute))
			msg := bytes.Repeat([]byte{byte(i), byte(i >> 8), 7}, size/3)
			go func() { _, _ = c.Write(msg) }()
			// Not reading for a while fills the server's socket: it must keep
			// what it could not write and stop reading until it drains.
			time.Sleep(200 * time.Millisecond)
			got := make([]byte, 0, len(msg))
			r := bufio.NewReaderSize(c, 4096)
			buf := make([]byte, 4096)
			for len(got) < len(msg) {
				n, err := r.Read(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					errs <- fmt.Errorf("connection %d after %d bytes: %w", i, len(got), err)
					return
				}
			}
			if !bytes.Equal(got, msg) {
				errs <- fmt.Errorf("connection %d: echo differs", i)
				return
			}
			errs <- nil
		}()
	}
	for range conns {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := p.stop(5 * time.Second); err != nil {
		t.Fatalf("SIGTERM: %v (%s)", err, p.out.String())
	}
}

// TestCBuildWithoutCompiler checks that a C row without a compiler is
// skipped with a note, not a failure.
func TestCBuildWithoutCompiler(t *testing.T) {
	dirs, err := FindDirs()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir())
	s := cepoll(t)
	if _, err := buildC(context.Background(), dirs, t.TempDir(), s.Name, s.Target); !errors.Is(err, ErrNoCompiler) {
		t.Fatalf("err = %v, want ErrNoCompiler", err)
	}
	cfg := NewConfig(true)
	r := &runner{cfg: cfg, dirs: dirs, bins: map[string]string{}, report: newReport(cfg, []Server{s}, nil)}
	r.cfg.Log = io.Discard
	if err := r.buildServer(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if r.cdir != "" {
		defer os.RemoveAll(r.cdir)
	}
	if _, built := r.bins[s.Name]; built || len(r.report.Skipped) != 1 || !strings.HasPrefix(r.report.Skipped[0], "cepoll: skipped, ") || len(r.report.Failures) != 0 {
		t.Fatalf("skipped %v, failures %v", r.report.Skipped, r.report.Failures)
	}
	if r.report.missing("cepoll") != "skipped" || r.report.missing("net") != "failed" {
		t.Error("a skipped row does not read as skipped")
	}
}
