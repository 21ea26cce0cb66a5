// Command netman-ws is netman's WebSocket echo: server.Websocket with a
// Message handler that sends every message back as a binary message.
//
//	netman-ws -addr 127.0.0.1:7100 -loops 1            # handlers on the worker pool (the default)
//	netman-ws -addr 127.0.0.1:7100 -loops 1 -on-loop   # WithHandlerOnLoop
//	netman-ws -addr 127.0.0.1:7100 -loops 1 -pool      # WithRequestPool
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

// maxMessage holds the largest message the load generator sends: it writes
// the large scenario in 1 MiB chunks, each one message.
const maxMessage = 4 << 20

// echo sends each message back.
type echo struct{}

func (echo) Open(iface.IConnect)  {}
func (echo) Close(iface.IConnect) {}
func (echo) Message(r iface.IRequest) {
	_, _ = r.GetConnect().Binary(r.GetMessage().Bytes())
}

func main() {
	pool := flag.Bool("pool", false, "recycle requests and their bytes after the handler (WithRequestPool): no allocation per message")
	onLoop := flag.Bool("on-loop", false, "run the handler on the event loop (WithHandlerOnLoop) instead of the worker pool")
	f := serve.Parse()
	host, p, err := net.SplitHostPort(f.Addr)
	if err != nil {
		serve.Fatal("netman-ws", err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		serve.Fatal("netman-ws", err)
	}
	opts := []server.Option{
		server.WithNumEventLoop(f.Loops),
		server.WithMaxMessageSize(maxMessage),
		server.WithLogOutput(os.Stderr),
		server.WithLogLevel(zerolog.WarnLevel),
	}
	if *onLoop {
		opts = append(opts, server.WithHandlerOnLoop())
	}
	if *pool {
		opts = append(opts, server.WithRequestPool())
	}
	s := server.Websocket(host, port, echo{}, opts...)
	if err := s.Listen(); err != nil {
		serve.Fatal("netman-ws", err)
	}
	serve.Announce("netman-ws", s.Addr().String())
	ctx, stop := serve.SignalContext()
	defer stop()
	go func() {
		<-ctx.Done()
		_ = s.Stop()
	}()
	if err := s.Start(); err != nil {
		serve.Fatal("netman-ws", err)
	}
}
