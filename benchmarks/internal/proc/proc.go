// Package proc reads what the benchmark measures about a server process from
// Linux's /proc: CPU time (utime and stime) and resident memory (VmRSS, VmHWM).
package proc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrFormat reports a /proc file whose content could not be parsed.
var ErrFormat = errors.New("benchmarks: unexpected /proc format")

// ClockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat. It is
// 100 on every Linux architecture Go supports.
const ClockTicks = 100

// CPU is the CPU time a process has used so far (all its threads, alive or
// exited), split as /proc/PID/stat splits it.
type CPU struct {
	// User is utime: time spent in the process's own code.
	User time.Duration
	// System is stime: time the kernel spent on the process's behalf.
	System time.Duration
}

// Total returns User plus System.
func (c CPU) Total() time.Duration { return c.User + c.System }

// CPUTime returns the user plus system CPU time the process has used so far
// (all its threads, alive or exited).
func CPUTime(pid int) (time.Duration, error) {
	c, err := ReadCPU(pid)
	return c.Total(), err
}

// ReadCPU returns the user and system CPU time the process has used so far.
func ReadCPU(pid int) (CPU, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return CPU{}, err
	}
	return ParseCPU(b)
}

// ParseStat returns utime+stime from the content of /proc/PID/stat.
func ParseStat(b []byte) (time.Duration, error) {
	c, err := ParseCPU(b)
	return c.Total(), err
}

// ParseCPU returns utime and stime from the content of /proc/PID/stat. The
// command name (field 2) may hold spaces and parentheses, so fields are
// counted from the last ')'.
func ParseCPU(b []byte) (CPU, error) {
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return CPU{}, fmt.Errorf("%w: stat without ')'", ErrFormat)
	}
	fields := strings.Fields(string(b[end+1:]))
	// After the name: state(3) ppid(4) ... utime(14) stime(15), so utime is
	// at index 14-3 = 11 here.
	if len(fields) < 13 {
		return CPU{}, fmt.Errorf("%w: stat has %d fields after the name", ErrFormat, len(fields))
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 63)
	stime, err2 := strconv.ParseUint(fields[12], 10, 63)
	if err1 != nil || err2 != nil {
		return CPU{}, fmt.Errorf("%w: utime %q stime %q", ErrFormat, fields[11], fields[12])
	}
	if ticks := utime + stime; ticks > uint64(1<<63-1)/uint64(time.Second) {
		return CPU{}, fmt.Errorf("%w: %d ticks", ErrFormat, ticks)
	}
	tick := func(n uint64) time.Duration { return time.Duration(n) * time.Second / ClockTicks }
	return CPU{User: tick(utime), System: tick(stime)}, nil
}

// Memory is the resident memory of a process, in bytes.
type Memory struct {
	// RSS is VmRSS: resident set size now.
	RSS int64
	// HWM is VmHWM: the peak resident set size since the process started.
	HWM int64
}

// ReadMemory returns VmRSS and VmHWM from /proc/PID/status.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	return ParseStatus(b)
}

// ParseStatus returns VmRSS and VmHWM from the content of /proc/PID/status.
func ParseStatus(b []byte) (Memory, error) {
	var m Memory
	var seen int
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 || f[1] != "kB" {
			return Memory{}, fmt.Errorf("%w: %s:%s", ErrFormat, key, val)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 || kb > 1<<50 {
			return Memory{}, fmt.Errorf("%w: %s:%s", ErrFormat, key, val)
		}
		if key == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.HWM = kb << 10
		}
		seen++
	}
	if seen != 2 {
		return Memory{}, fmt.Errorf("%w: status without VmRSS and VmHWM", ErrFormat)
	}
	return m, nil
}

// CPUModel returns the "model name" of the first CPU in /proc/cpuinfo, or
// "unknown".
func CPUModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
