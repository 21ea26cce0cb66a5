// Command nbio is the echo server of github.com/lesismal/nbio written as its
// own examples write it: OnData writes a copy of the received bytes back.
package main

import (
	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/logging"

	"github.com/netman-go/netman/benchmarks/internal/serve"
)

func main() {
	f := serve.Parse()
	logging.SetLevel(logging.LevelError)
	engine := nbio.NewEngine(nbio.Config{
		Network: "tcp",
		Addrs:   []string{f.Addr},
		NPoller: f.Loops,
	})
	// nbio's README copies data before writing it; Conn.Write already copies
	// whatever the kernel does not take at once, so the copy only costs an
	// allocation per message and is left out here.
	engine.OnData(func(c *nbio.Conn, data []byte) {
		_, _ = c.Write(data)
	})
	if err := engine.Start(); err != nil {
		serve.Fatal("nbio", err)
	}
	serve.Announce("nbio", f.Addr)
	ctx, stop := serve.SignalContext()
	defer stop()
	<-ctx.Done()
	engine.Stop()
}
