// Command tlsconn is netman's bare TLS echo: tlsconn on a netpoll server,
// writing back the plaintext it receives, with no framing and no routing.
// It is to the cryptotls row what the netpoll row is to net: the same raw
// echo, so the two rows compare the TLS transports alone (tlsconn on the
// event loop against crypto/tls with a goroutine per connection), while
// netman-tls adds netman's decoding, routing and worker pool on top.
//
//	tlsconn -addr 127.0.0.1:7100 -loops 1
package main

import (
	"github.com/netman-go/netman/benchmarks/internal/serve"
	"github.com/netman-go/netman/netpoll"
	"github.com/netman-go/netman/tlsconn"
)

// echo writes back the plaintext that arrives, on the event loop.
func echo(c *tlsconn.Conn, data []byte) (int, error) {
	if _, err := c.Write(data); err != nil {
		return len(data), err
	}
	return len(data), nil
}

func main() {
	f := serve.Parse()
	const name = "tlsconn"
	cfg, err := serve.TLSConfig()
	if err != nil {
		serve.Fatal(name, err)
	}
	srv := netpoll.NewServer(tlsconn.NewServer(cfg, tlsconn.HandlerFuncs{Data: echo}), netpoll.WithLoops(f.Loops))
	serve.Netpoll(name, srv, f.Addr)
}
