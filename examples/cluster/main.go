// Command cluster runs three netman nodes in one process, each with an
// embedded NATS server, the three NATS servers clustered by routes: a chat
// room that spans the nodes. Connect a client to each node:
//
//	go run ./examples/cluster
//	go run ./examples/cluster/client -addr 127.0.0.1:7100 -name ann
//	go run ./examples/cluster/client -addr 127.0.0.1:7101 -name bob
//	go run ./examples/cluster/client -addr 127.0.0.1:7102 -name cid
//
// What one client types, every client reads, whichever node it is on.
// Message IDs: 1 login (the name), 2 say (a line), 3 a chat line from the
// room, 4 who (answered with the room's size, asked of every node).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/netman-go/netman/cluster"
	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netman/server"
	"github.com/rs/zerolog"
)

const (
	msgLogin = 1
	msgSay   = 2
	msgChat  = 3
	msgWho   = 4
	room     = "lobby"
)

func main() {
	host := flag.String("host", "127.0.0.1", "address the nodes listen on")
	port := flag.Int("port", 7100, "TCP port of node 0; nodes 1 and 2 use the next ones (0: any free ports)")
	flag.Parse()

	var routeURL string
	for i := 0; i < 3; i++ {
		p := 0
		if *port != 0 {
			p = *port + i
		}
		addr, clusterAddr := startNode(i, *host, p, routeURL)
		if i == 0 {
			routeURL = "nats-route://" + clusterAddr
		}
		fmt.Printf("node %d listening on %s\n", i, addr)
	}
	fmt.Println("three nodes up: connect a client to each")
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
}

// startNode starts node i: its NATS server (routed to node 0's unless it is
// node 0), its netman server and its cluster node. It returns the netman
// server's address and the NATS cluster address.
func startNode(i int, host string, port int, routeURL string) (addr, clusterAddr string) {
	nso := &natsserver.Options{
		ServerName: "node" + strconv.Itoa(i), Host: host, Port: natsserver.RANDOM_PORT, NoLog: true,
		Cluster: natsserver.ClusterOpts{Name: "netman-chat", Host: host, Port: natsserver.RANDOM_PORT},
	}
	if routeURL != "" {
		nso.Routes = natsserver.RoutesFromStr(routeURL)
	}
	srv := server.New(host, port, server.WithLogLevel(zerolog.WarnLevel))
	c, err := cluster.New(srv, cluster.WithEmbeddedNATS(nso))
	if err != nil {
		log.Fatalf("node %d: %v", i, err)
	}
	chat := &chat{node: i, c: c}
	srv.AddRouter(msgLogin, handler(chat.login))
	srv.AddRouter(msgSay, handler(chat.say))
	srv.AddRouter(msgWho, handler(chat.who))
	if err := srv.Listen(); err != nil {
		log.Fatalf("node %d: %v", i, err)
	}
	go func() {
		if err := srv.Start(); err != nil {
			log.Fatalf("node %d: %v", i, err)
		}
	}()
	return srv.Addr().String(), c.EmbeddedNATS().ClusterAddr().String()
}

// handler adapts a function to a route.
type handler func(iface.IRequest)

func (h handler) Do(r iface.IRequest) { h(r) }

// chat is one node's room logic: it needs nothing of the other nodes but
// the cluster.
type chat struct {
	node int
	c    *cluster.Cluster
}

// login binds the connection to its name and joins it to the room: the
// binding is where the node keeps the name.
func (ch *chat) login(r iface.IRequest) {
	conn, name := r.GetConnect(), r.GetMessage().String()
	if err := ch.c.Bind(conn, name); err != nil {
		conn.Send(msgChat, []byte("error: "+err.Error()))
		return
	}
	if err := ch.c.Join(conn, room); err != nil {
		conn.Send(msgChat, []byte("error: "+err.Error()))
		return
	}
	ch.publish(fmt.Sprintf("* %s joined on node %d", name, ch.node))
}

func (ch *chat) say(r iface.IRequest) {
	name, ok := ch.c.User(r.GetConnect())
	if !ok {
		r.GetConnect().Send(msgChat, []byte("error: log in first"))
		return
	}
	ch.publish(fmt.Sprintf("%s@node%d: %s", name, ch.node, r.GetMessage().String()))
}

func (ch *chat) who(r iface.IRequest) {
	p, err := ch.c.RoomPresence(context.Background(), room)
	if err != nil {
		r.GetConnect().Send(msgChat, []byte("error: "+err.Error()))
		return
	}
	r.GetConnect().Send(msgChat, []byte(fmt.Sprintf("* %d in %s, on %d nodes answering", p.Connections, room, p.Nodes)))
}

func (ch *chat) publish(line string) {
	if err := ch.c.Publish(room, msgChat, []byte(line)); err != nil {
		log.Printf("node %d: publish: %v", ch.node, err)
	}
}
