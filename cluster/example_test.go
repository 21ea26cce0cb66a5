package cluster_test

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/netman-go/netman/cluster"
	"github.com/netman-go/netman/framing"
	"github.com/netman-go/netman/netman/iface"
	netman "github.com/netman-go/netman/netman/server"
	"github.com/rs/zerolog"
)

// login binds a connection to the user named in its message.
type login struct{ c *cluster.Cluster }

func (l login) Do(req iface.IRequest) {
	if err := l.c.Bind(req.GetConnect(), req.GetMessage().String()); err != nil {
		req.GetConnect().Send(1, []byte(err.Error()))
		return
	}
	req.GetConnect().Send(1, []byte("welcome"))
}

// A node with its embedded NATS server: a client logs in as alice, and a
// message sent to alice (from this node or any other) reaches it.
func Example() {
	srv := netman.New("127.0.0.1", 0, netman.WithLogOutput(io.Discard))
	c, err := cluster.New(srv, cluster.WithLogger(zerolog.Nop()))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	srv.AddRouter(1, login{c})
	if err := srv.Listen(); err != nil {
		panic(err)
	}
	go srv.Start()
	defer srv.Stop()

	conn, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	framing.WriteMessage(conn, framing.Default, 1, []byte("alice"))
	_, welcome, _ := framing.ReadMessage(conn, framing.Default, 0)
	fmt.Println(string(welcome))

	c.SendToUser("alice", 2, []byte("hello, alice"))
	id, msg, _ := framing.ReadMessage(conn, framing.Default, 0)
	fmt.Println(id, string(msg))

	p, _ := c.UserPresence(context.Background(), "alice")
	fmt.Println(p.Online(), p.Connections, p.Nodes)
	// Output:
	// welcome
	// 2 hello, alice
	// true 1 1
}
