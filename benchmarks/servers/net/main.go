// Command net is the reference echo server written the way most Go code is:
// the standard library's net package with one goroutine per connection, each
// reading into its own 8 KiB buffer and writing back what it read. With -tls
// each connection is wrapped in crypto/tls (an in-memory self-signed ECDSA
// P-256 certificate): the cryptotls row, crypto/tls written the same way.
package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"net"

	"github.com/netman-go/netman/benchmarks/internal/serve"
)

// bufSize holds a whole 4 KiB benchmark message plus its header, so net is not
// penalised with a second read per message; it is also the price each
// connection pays in memory.
const bufSize = 8 << 10

func main() {
	useTLS := flag.Bool("tls", false, "serve over crypto/tls with a self-signed certificate")
	f := serve.Parse()
	name := "net"
	var cfg *tls.Config
	if *useTLS {
		name = "cryptotls"
		var err error
		if cfg, err = serve.TLSConfig(); err != nil {
			serve.Fatal(name, err)
		}
	}
	ln, err := net.Listen("tcp", f.Addr)
	if err != nil {
		serve.Fatal(name, err)
	}
	serve.Announce(name, ln.Addr().String())
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
			serve.Fatal(name, err)
		}
		if cfg != nil {
			c = tls.Server(c, cfg)
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
