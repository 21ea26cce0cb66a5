// Command wsconn is netman's bare WebSocket echo: the ws codec on a netpoll
// server, sending every message back from the event loop, with no routing
// and no worker pool. It is to netman-ws what tlsconn is to netman-tls: the
// reactor's own cost for the protocol, so the two rows show what
// server.Websocket adds. The replies to the messages of one read are
// gathered (Cork/Uncork) and written at once, as netman's are.
//
//	wsconn -addr 127.0.0.1:7100 -loops 1
package main

import (
	"github.com/netman-go/netman/benchmarks/internal/serve"
	"github.com/netman-go/netman/netpoll"
	"github.com/netman-go/netman/ws"
)

// maxMessage holds the largest message the load generator sends (the
// large scenario's 1 MiB chunks), as netman-ws allows.
const maxMessage = 4 << 20

// echo is the codec's handler: every message goes back as it came.
type echo struct{}

func (echo) OnOpen(*ws.ServerConn, ws.Request) {}
func (echo) OnMessage(c *ws.ServerConn, op ws.OpCode, p []byte) {
	_ = c.WriteMessage(op, p)
}
func (echo) OnClose(*ws.ServerConn, ws.StatusCode, string) {}

// glue feeds each connection's bytes to its codec.
type glue struct{ codec *ws.Server }

func (g glue) OnOpen(c *netpoll.Conn) { c.SetContext(g.codec.NewConn(c)) }

func (g glue) OnData(c *netpoll.Conn, data []byte) (int, error) {
	codec := c.Context().(*ws.ServerConn)
	c.Cork()
	defer c.Uncork()
	return codec.Feed(data)
}

func (glue) OnClose(*netpoll.Conn, error) {}

func main() {
	f := serve.Parse()
	const name = "wsconn"
	g := glue{codec: ws.NewServer(echo{}, ws.WithMaxMessageSize(maxMessage))}
	srv := netpoll.NewServer(g, netpoll.WithLoops(f.Loops))
	serve.Netpoll(name, srv, f.Addr)
}
