package proc

import (
	"errors"
	"os"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want time.Duration
		err  bool
	}{
		{"plain", "1234 (echo) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 3 0 5000 1000000 200 18446744073709551615", 2870 * time.Millisecond, false},
		{"name with spaces and parens", "77 (a) b (c)) R 1 77 77 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 1 1 1", 30 * time.Millisecond, false},
		{"no name", "1234 echo S 1", 0, true},
		{"truncated", "1234 (echo) S 1 2 3", 0, true},
		{"not a number", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 a b 0", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStat([]byte(tt.in))
			if tt.err {
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("err = %v, want ErrFormat", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseStat = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// TestParseCPU checks that utime and stime land in User and System, and
// that the name's spaces and parentheses do not shift them.
func TestParseCPU(t *testing.T) {
	for in, want := range map[string]CPU{
		"1234 (echo) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 3 0 5000 1000000 200 18446744073709551615": {User: 2500 * time.Millisecond, System: 370 * time.Millisecond},
		"77 (a) b (c)) R 1 77 77 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 1 1 1":                                              {User: 10 * time.Millisecond, System: 20 * time.Millisecond},
	} {
		got, err := ParseCPU([]byte(in))
		if err != nil || got != want {
			t.Fatalf("ParseCPU(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Memory
		err  bool
	}{
		{"both", "Name:\techo\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\nThreads:\t4\n", Memory{RSS: 1 << 20, HWM: 2 << 20}, false},
		{"missing HWM", "VmRSS:\t 1 kB\n", Memory{}, true},
		{"bad unit", "VmRSS:\t 1 MB\nVmHWM:\t 1 kB\n", Memory{}, true},
		{"kernel thread", "Name:\tkthreadd\nState:\tS\n", Memory{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatus([]byte(tt.in))
			if tt.err {
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("err = %v, want ErrFormat", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseStatus = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestSelf(t *testing.T) {
	if _, err := CPUTime(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	m, err := ReadMemory(os.Getpid())
	if err != nil || m.RSS <= 0 || m.HWM < m.RSS {
		t.Fatalf("ReadMemory(self) = %+v, %v", m, err)
	}
	if CPUModel() == "" {
		t.Fatal("empty CPU model")
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("1234 (echo) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 3 0"))
	f.Add([]byte("1 ()) S 1 1 1 0 -1 0 0 0 0 0 99999999999999999999 1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseStat(b)
		if err == nil && d < 0 {
			t.Fatalf("negative CPU time %v", d)
		}
	})
}

func FuzzParseStatus(f *testing.F) {
	f.Add([]byte("VmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseStatus(b)
		if err == nil && (m.RSS < 0 || m.HWM < 0) {
			t.Fatalf("negative memory %+v", m)
		}
	})
}
