// Command cryptotls is the reference TLS echo server written the way most Go
// code is: crypto/tls over the standard library's net package, one goroutine
// per connection reading into its own 8 KiB buffer and writing back what it
// read. It presents an in-memory self-signed ECDSA P-256 certificate.
package main

import (
	"crypto/tls"
	"errors"
	"net"

	"github.com/netman-go/netman/benchmarks/internal/serve"
)

// bufSize is the same as the net server's: a whole 4 KiB message and its
// header in one read.
const bufSize = 8 << 10

func main() {
	f := serve.Parse()
	cfg, err := serve.TLSConfig()
	if err != nil {
		serve.Fatal("cryptotls", err)
	}
	ln, err := net.Listen("tcp", f.Addr)
	if err != nil {
		serve.Fatal("cryptotls", err)
	}
	serve.Announce("cryptotls", ln.Addr().String())
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
			serve.Fatal("cryptotls", err)
		}
		go echo(tls.Server(c, cfg))
	}
}

func echo(c *tls.Conn) {
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
