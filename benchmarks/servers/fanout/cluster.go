package main

import (
	"context"
	"os"
	"strconv"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/rs/zerolog"

	"github.com/netman-go/netman/benchmarks/internal/serve"
	"github.com/netman-go/netman/cluster"
	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netman/server"
)

type route func(iface.IRequest)

func (r route) Do(req iface.IRequest) { r(req) }

// runCluster runs n cluster nodes, their embedded NATS servers routed to
// the first's.
func runCluster(ctx context.Context, f serve.Flags, n int) error {
	host, port, err := hostPort(f.Addr)
	if err != nil {
		return err
	}
	var routes string
	for i := 0; i < n; i++ {
		nso := &natsserver.Options{Host: "127.0.0.1", Port: natsserver.RANDOM_PORT, NoLog: true,
			Cluster: natsserver.ClusterOpts{Name: "fanout", Host: "127.0.0.1", Port: natsserver.RANDOM_PORT}}
		if routes != "" {
			nso.Routes = natsserver.RoutesFromStr(routes)
		}
		s := server.New(host, port+i, server.WithNumEventLoop(f.Loops), server.WithLogOutput(os.Stderr),
			server.WithLogLevel(zerolog.WarnLevel), server.WithMaxPendingWrite(4<<20))
		c, err := cluster.New(s, cluster.WithEmbeddedNATS(nso), cluster.WithLogger(zerolog.New(os.Stderr).Level(zerolog.WarnLevel)))
		if err != nil {
			return err
		}
		defer c.Close()
		if i == 0 {
			routes = "nats-route://" + c.EmbeddedNATS().ClusterAddr().String()
		}
		s.AddRouter(1, route(func(r iface.IRequest) { _ = c.Publish("room", 1, r.GetMessage().Bytes()) }))
		s.AddRouter(2, route(func(r iface.IRequest) {
			conn := r.GetConnect()
			if err := c.Join(conn, "room"); err == nil {
				err = c.Bind(conn, r.GetMessage().String())
			}
			_, _ = conn.Send(2, []byte("ok"))
		}))
		s.AddRouter(3, route(func(r iface.IRequest) {
			b := r.GetMessage().Bytes()
			if len(b) == 0 || int(b[0]) >= len(b) {
				return
			}
			_ = c.SendToUser(string(b[1:1+b[0]]), 3, b[1+b[0]:])
		}))
		if err := s.Listen(); err != nil {
			return err
		}
		go s.Start()
		defer s.Stop()
	}
	serve.Announce("cluster-"+strconv.Itoa(n)+"nodes", f.Addr)
	<-ctx.Done()
	return nil
}
