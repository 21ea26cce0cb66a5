// Command gobwas is the WebSocket echo server of github.com/gobwas/ws written
// as its README writes the simple version: the standard library's net
// package, one goroutine per connection, ws.Upgrade, then
// wsutil.ReadClientData and wsutil.WriteServerMessage in a loop (pings are
// answered by wsutil's control handler).
package main

import (
	"errors"
	"net"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/netman-go/netman/benchmarks/internal/serve"
)

func main() {
	f := serve.Parse()
	ln, err := net.Listen("tcp", f.Addr)
	if err != nil {
		serve.Fatal("gobwas", err)
	}
	serve.Announce("gobwas", ln.Addr().String())
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
			serve.Fatal("gobwas", err)
		}
		go echo(c)
	}
}

func echo(c net.Conn) {
	defer c.Close()
	if _, err := ws.Upgrade(c); err != nil {
		return
	}
	for {
		msg, op, err := wsutil.ReadClientData(c)
		if err != nil {
			return
		}
		if err := wsutil.WriteServerMessage(c, op, msg); err != nil {
			return
		}
	}
}
