// Command gnet is the echo server of github.com/panjf2000/gnet/v2 written as
// its own examples write it: OnTraffic takes everything buffered and writes it
// back.
package main

import (
	"context"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/logging"

	"github.com/netman-go/netman/benchmarks/internal/serve"
)

type echoServer struct {
	gnet.BuiltinEventEngine
	addr string
}

func (es *echoServer) OnBoot(gnet.Engine) gnet.Action {
	serve.Announce("gnet", es.addr)
	return gnet.None
}

func (es *echoServer) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	_, _ = c.Write(buf)
	return gnet.None
}

func main() {
	f := serve.Parse()
	proto := "tcp://" + f.Addr
	es := &echoServer{addr: f.Addr}
	ctx, stop := serve.SignalContext()
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gnet.Stop(sctx, proto)
	}()
	err := gnet.Run(es, proto,
		gnet.WithMulticore(f.Loops > 1),
		gnet.WithNumEventLoop(f.Loops),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithLogLevel(logging.ErrorLevel),
	)
	if err != nil && ctx.Err() == nil {
		serve.Fatal("gnet", err)
	}
}
