// Command netman-tls is netman's routed echo over TLS: the same server as
// benchmarks/servers/netman (the umbrella API, one route AddRouter(0, echo))
// with WithTLSConfig and an in-memory self-signed ECDSA P-256 certificate.
//
//	netman-tls -addr 127.0.0.1:7100 -loops 1            # handlers on the worker pool (the default)
//	netman-tls -addr 127.0.0.1:7100 -loops 1 -on-loop   # WithHandlerOnLoop
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
	onLoop := flag.Bool("on-loop", false, "run the route on the event loop (WithHandlerOnLoop) instead of the worker pool")
	f := serve.Parse()
	host, p, err := net.SplitHostPort(f.Addr)
	if err != nil {
		serve.Fatal("netman-tls", err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		serve.Fatal("netman-tls", err)
	}
	cfg, err := serve.TLSConfig()
	if err != nil {
		serve.Fatal("netman-tls", err)
	}
	opts := []server.Option{
		server.WithNumEventLoop(f.Loops),
		server.WithTLSConfig(cfg),
		server.WithLogOutput(os.Stderr),
		server.WithLogLevel(zerolog.WarnLevel),
	}
	if *onLoop {
		opts = append(opts, server.WithHandlerOnLoop())
	}
	s := server.New(host, port, opts...)
	if err := s.AddRouter(0, echo{}); err != nil {
		serve.Fatal("netman-tls", err)
	}
	if err := s.Listen(); err != nil {
		serve.Fatal("netman-tls", err)
	}
	serve.Announce("netman-tls", s.Addr().String())
	ctx, stop := serve.SignalContext()
	defer stop()
	go func() {
		<-ctx.Done()
		_ = s.Stop()
	}()
	if err := s.Start(); err != nil {
		serve.Fatal("netman-tls", err)
	}
}
