// Package serve holds what every benchmark server binary shares: the command
// line contract (-addr, -loops), the start-up line and waiting for SIGINT or
// SIGTERM.
//
// Every server the harness drives accepts
//
//	-addr host:port   the address to listen on (the harness picks a free port)
//	-loops N          event loops, threads or GOMAXPROCS, whatever the server scales by
//
// echoes the bytes it receives unchanged (raw echo) or echoes each framed
// message (routed echo), prints one line with its address and PID once it
// listens, and exits cleanly on SIGINT or SIGTERM.
package serve

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"
)

// Flags are the command line flags every benchmark server accepts.
type Flags struct {
	// Addr is the host:port to listen on.
	Addr string
	// Loops is the number of event loops (or GOMAXPROCS for servers without loops).
	Loops int
}

// Parse parses the standard server flags from os.Args and sets GOMAXPROCS to
// Loops, so every server gets the same number of threads running Go code.
func Parse() Flags {
	var f Flags
	flag.StringVar(&f.Addr, "addr", "127.0.0.1:7100", "address to listen on")
	flag.IntVar(&f.Loops, "loops", 1, "event loops (and GOMAXPROCS)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the window set by -profile-after and -profile-for to this file (for investigating, never set by the harness)")
	after := flag.Duration("profile-after", 3*time.Second, "with -cpuprofile: start profiling this long after start-up")
	window := flag.Duration("profile-for", 5*time.Second, "with -cpuprofile: profile this long")
	flag.Parse()
	if f.Loops < 1 {
		f.Loops = 1
	}
	runtime.GOMAXPROCS(f.Loops)
	if *profile != "" {
		go cpuProfile(*profile, *after, *window)
	}
	return f
}

// cpuProfile writes a CPU profile of one window of the server's life, so a
// run under the load generator can be profiled without touching the server.
func cpuProfile(path string, after, window time.Duration) {
	time.Sleep(after)
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpuprofile:", err)
		return
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "cpuprofile:", err)
		return
	}
	time.Sleep(window)
	pprof.StopCPUProfile()
	fmt.Fprintln(os.Stderr, "cpuprofile: wrote", path)
}

// Announce prints the line the harness (and a person) reads to know the
// server is up.
func Announce(name, addr string) {
	fmt.Printf("%s echo listening on %s pid %d\n", name, addr, os.Getpid())
}

// SignalContext returns a context cancelled on SIGINT or SIGTERM.
func SignalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// Fatal prints err prefixed with the server name and exits with status 1.
func Fatal(name string, err error) {
	fmt.Fprintf(os.Stderr, "%s echo: %v\n", name, err)
	os.Exit(1)
}
