// Command echo is a netpoll echo server: every byte a client sends comes
// back. It is the README's demo and the baseline the benchmarks compare
// against.
//
//	go run ./examples/echo -addr 127.0.0.1:7100 -loops 2
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/netman-go/netman/netpoll"
)

// echo writes back whatever arrives. It runs on the event loop and never
// blocks: Write queues what the kernel does not take at once.
type echo struct{}

func (echo) OnOpen(c *netpoll.Conn) {}

func (echo) OnData(c *netpoll.Conn, data []byte) (int, error) {
	if _, err := c.Write(data); err != nil {
		return len(data), err
	}
	return len(data), nil
}

func (echo) OnClose(c *netpoll.Conn, reason error) {}

func main() {
	addr := flag.String("addr", "127.0.0.1:7100", "listen address")
	loops := flag.Int("loops", runtime.NumCPU(), "number of event loops")
	reusePort := flag.Bool("reuseport", false, "one SO_REUSEPORT listener per loop")
	flag.Parse()

	opts := []netpoll.Option{
		netpoll.WithLoops(*loops),
		netpoll.WithErrorLog(func(err error) { log.Print(err) }),
	}
	if *reusePort {
		opts = append(opts, netpoll.WithReusePort())
	}
	srv := netpoll.NewServer(echo{}, opts...)
	if err := srv.Listen("tcp", *addr); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("echo listening on %s (pid %d, %d loops)\n", srv.Addr(), os.Getpid(), *loops)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			log.Printf("shutdown: %v", err)
		}
	}()
	if err := srv.Serve(); err != nil && !errors.Is(err, netpoll.ErrServerClosed) {
		log.Fatal(err)
	}
	fmt.Println("echo stopped")
}
