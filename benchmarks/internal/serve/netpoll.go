package serve

import (
	"context"
	"time"

	"github.com/netman-go/netman/netpoll"
)

// Netpoll runs a bare netpoll server (the raw rows: tlsconn, wsconn) on
// addr until SIGINT or SIGTERM, then shuts it down gracefully within 5 s.
// It exits the process with Fatal on a listen or serve error.
func Netpoll(name string, srv *netpoll.Server, addr string) {
	if err := srv.Listen("tcp", addr); err != nil {
		Fatal(name, err)
	}
	Announce(name, srv.Addr().String())
	ctx, stop := SignalContext()
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(); err != nil && err != netpoll.ErrServerClosed {
		Fatal(name, err)
	}
}
