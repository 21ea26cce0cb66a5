// Command net is the reference echo server written the way most Go code is:
// the standard library's net package with one goroutine per connection, each
// reading into its own 8 KiB buffer and writing back what it read.
package main

import (
	"errors"
	"net"

	"github.com/netman-go/netman/benchmarks/internal/serve"
)

// bufSize holds a whole 4 KiB benchmark message plus its header, so net is not
// penalised with a second read per message; it is also the price each
// connection pays in memory.
const bufSize = 8 << 10

func main() {
	f := serve.Parse()
	ln, err := net.Listen("tcp", f.Addr)
	if err != nil {
		serve.Fatal("net", err)
	}
	serve.Announce("net", ln.Addr().String())
	ctx, stop := serve.SignalContext()
	defer stop()
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			serve.Fatal("net", err)
		}
		go echo(c)
	}
}

func echo(c net.Conn) {
	defer c.Close()
	buf := make([]byte, bufSize)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
