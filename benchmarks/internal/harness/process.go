package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// process is a child the harness started in its own process group, so that
// stopping it also stops anything it started.
type process struct {
	name   string
	cmd    *exec.Cmd
	out    *tailBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // Wait's result, valid after done
	reaped sync.Once
}

// PID returns the process ID.
func (p *process) PID() int { return p.cmd.Process.Pid }

// exited reports whether the process has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, waits up to grace, then SIGKILLs
// it. It is safe to call more than once.
func (p *process) stop(grace time.Duration) error {
	p.reaped.Do(func() {
		pgid := p.PID()
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-p.done:
		case <-t.C:
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.done
		}
		// Anything left in the group (a child of the child) goes too.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		running.remove(p)
	})
	return p.err
}

// processes tracks every child still running, so an interrupted run can stop
// them all.
type processes struct {
	mu  sync.Mutex
	set map[*process]struct{}
}

var running = &processes{set: map[*process]struct{}{}}

func (ps *processes) add(p *process) {
	ps.mu.Lock()
	ps.set[p] = struct{}{}
	ps.mu.Unlock()
}

func (ps *processes) remove(p *process) {
	ps.mu.Lock()
	delete(ps.set, p)
	ps.mu.Unlock()
}

// StopAll stops every process the harness started that is still running.
func StopAll() {
	running.mu.Lock()
	list := make([]*process, 0, len(running.set))
	for p := range running.set {
		list = append(list, p)
	}
	running.mu.Unlock()
	for _, p := range list {
		_ = p.stop(2 * time.Second)
	}
}

// start runs path with args in its own process group, pinned to cpu when
// cpu >= 0, with extra environment variables env. Standard output goes to
// stdout if not nil; everything else is kept in the process's tail buffer.
func start(name, path string, args, env []string, cpu int, stdout io.Writer) (*process, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	out := &tailBuffer{max: 16 << 10}
	cmd.Stdout = out
	if stdout != nil {
		cmd.Stdout = stdout
	}
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := startPinned(cmd, cpu); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrStart, name, err)
	}
	p := &process{name: name, cmd: cmd, out: out, done: make(chan struct{})}
	running.add(p)
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// startPinned starts cmd with its CPU affinity set to cpu (all CPUs if cpu <
// 0). A child inherits the affinity of the thread that forks it, so the
// calling goroutine is locked to its thread, the thread is pinned, the child
// forked, and the thread's affinity restored.
func startPinned(cmd *exec.Cmd, cpu int) error {
	if cpu < 0 {
		return cmd.Start()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var old, set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return err
	}
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("pin to CPU %d: %w", cpu, err)
	}
	err := cmd.Start()
	if rerr := unix.SchedSetaffinity(0, &old); rerr != nil && err == nil {
		// The thread cannot go back to the pool with the wrong mask: keep it
		// locked so the runtime discards it when this goroutine ends.
		runtime.LockOSThread()
	}
	return err
}

// freeAddr returns a 127.0.0.1 address whose port was free a moment ago: the
// kernel picks it for a listener that is closed at once.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// portTaken reports whether something already accepts connections on addr.
func portTaken(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// waitListening polls addr until a connection succeeds, the process exits, or
// timeout passes.
func waitListening(ctx context.Context, p *process, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if p.exited() {
			return fmt.Errorf("%w: %s exited before listening on %s (%v); its output:\n%s",
				ErrStart, p.name, addr, p.err, indent(p.out.String()))
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			// A server that accepts and then dies (a panic on accept) is
			// caught here rather than by the load generator.
			time.Sleep(20 * time.Millisecond)
			if p.exited() {
				continue
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %s did not listen on %s within %v (%v); its output:\n%s",
				ErrStart, p.name, addr, timeout, err, indent(p.out.String()))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.done:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "    (nothing)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// exitError describes how a process ended.
func exitError(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.String()
	}
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}
