// Command netman is netman's routed echo: the umbrella API (netman/server)
// with one route, AddRouter(0, echo), that sends every framed message back
// with its id. It is written the way the seed's README writes a server; only
// the address, the number of event loops and the log level come from flags.
// With -tls it serves the same route over TLS (WithTLSConfig, an in-memory
// self-signed ECDSA P-256 certificate): the netman-tls row.
//
//	netman -addr 127.0.0.1:7100 -loops 1            # handlers on the worker pool (the default)
//	netman -addr 127.0.0.1:7100 -loops 1 -on-loop   # WithHandlerOnLoop: handlers on the event loop
//	netman -addr 127.0.0.1:7100 -loops 1 -tls       # the same over TLS
//	netman -addr 127.0.0.1:7100 -loops 1 -pool      # WithRequestPool: requests recycled, no allocation per message
package main

import (
	"flag"
	"net"
	"os"
	"strconv"

	"github.com/rs/zerolog"

	"github.com/netman-go/netman/benchmarks/internal/serve"
	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netman/server"
)

// echo sends each message back on its connection.
type echo struct{}

func (echo) Do(r iface.IRequest) {
	m := r.GetMessage()
	_, _ = r.GetConnect().Send(m.ID(), m.Bytes())
}

func main() {
	pool := flag.Bool("pool", false, "recycle requests and their bytes after the handler (WithRequestPool): no allocation per message")
	onLoop := flag.Bool("on-loop", false, "run the route on the event loop (WithHandlerOnLoop) instead of the worker pool")
	useTLS := flag.Bool("tls", false, "serve over TLS with a self-signed certificate")
	f := serve.Parse()
	name := "netman"
	if *useTLS {
		name = "netman-tls"
	}
	host, p, err := net.SplitHostPort(f.Addr)
	if err != nil {
		serve.Fatal(name, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		serve.Fatal(name, err)
	}
	opts := []server.Option{
		server.WithNumEventLoop(f.Loops),
		server.WithLogOutput(os.Stderr),
		server.WithLogLevel(zerolog.WarnLevel),
	}
	if *onLoop {
		opts = append(opts, server.WithHandlerOnLoop())
	}
	if *pool {
		opts = append(opts, server.WithRequestPool())
	}
	if *useTLS {
		cfg, err := serve.TLSConfig()
		if err != nil {
			serve.Fatal(name, err)
		}
		opts = append(opts, server.WithTLSConfig(cfg))
	}
	s := server.New(host, port, opts...)
	if err := s.AddRouter(0, echo{}); err != nil {
		serve.Fatal(name, err)
	}
	if err := s.Listen(); err != nil {
		serve.Fatal(name, err)
	}
	serve.Announce(name, s.Addr().String())
	ctx, stop := serve.SignalContext()
	defer stop()
	go func() {
		<-ctx.Done()
		_ = s.Stop()
	}()
	if err := s.Start(); err != nil {
		serve.Fatal(name, err)
	}
}
