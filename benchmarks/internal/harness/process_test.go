package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStartPinned(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("needs 2 CPUs")
	}
	for _, cpu := range []int{0, 1} {
		p, err := start("sleep", "/bin/sleep", []string{"30"}, nil, cpu, nil)
		if err != nil {
			t.Fatal(err)
		}
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID()))
		_ = p.stop(time.Second)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("Cpus_allowed_list:\t%d\n", cpu)
		if !strings.Contains(string(status), want) {
			t.Errorf("child pinned to %d: status lacks %q", cpu, want)
		}
	}
	// The harness's own threads keep every CPU.
	status, _ := os.ReadFile("/proc/thread-self/status")
	if strings.Contains(string(status), "Cpus_allowed_list:\t0\n") || strings.Contains(string(status), "Cpus_allowed_list:\t1\n") {
		t.Errorf("the harness thread stayed pinned:\n%s", status)
	}
}

func TestStopKillsTheProcessGroup(t *testing.T) {
	// The shell ignores SIGTERM and leaves a grandchild: stop must still end both.
	p, err := start("sh", "/bin/sh", []string{"-c", "trap '' TERM; sleep 30 & wait"}, nil, -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	pgid := p.PID()
	if err := p.stop(200 * time.Millisecond); err == nil {
		t.Error("a SIGKILLed shell reported success")
	}
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(-pgid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatal("process group still alive after stop")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = p.stop(time.Second) // a second stop is harmless
}

func TestStopAll(t *testing.T) {
	p, err := start("sleep", "/bin/sleep", []string{"30"}, nil, -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	StopAll()
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		t.Fatal("StopAll left a process running")
	}
}

func TestWaitListening(t *testing.T) {
	ctx := context.Background()
	t.Run("server exits at once", func(t *testing.T) {
		addr, _ := freeAddr()
		p, err := start("broken", "/bin/sh", []string{"-c", "echo 'listen: address already in use' >&2; exit 3"}, nil, -1, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer p.stop(time.Second)
		err = waitListening(ctx, p, addr, 10*time.Second)
		if !errors.Is(err, ErrStart) || !strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("err = %v, want ErrStart quoting the server's output", err)
		}
	})
	t.Run("server never listens", func(t *testing.T) {
		addr, _ := freeAddr()
		p, err := start("mute", "/bin/sleep", []string{"30"}, nil, -1, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer p.stop(time.Second)
		if err := waitListening(ctx, p, addr, 300*time.Millisecond); !errors.Is(err, ErrStart) {
			t.Fatalf("err = %v, want ErrStart", err)
		}
	})
	t.Run("missing binary", func(t *testing.T) {
		if _, err := start("ghost", "/nonexistent/server", nil, nil, -1, nil); !errors.Is(err, ErrStart) {
			t.Fatalf("err = %v, want ErrStart", err)
		}
	})
}

func TestPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	if !portTaken(ln.Addr().String()) {
		t.Error("a listening port is not reported as taken")
	}
	free, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	if portTaken(free) {
		t.Errorf("free address %s reported as taken", free)
	}
}

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{max: 8}
	fmt.Fprint(b, "0123456789")
	fmt.Fprint(b, "ab")
	if got := b.String(); got != "456789ab" {
		t.Fatalf("tail = %q", got)
	}
}
