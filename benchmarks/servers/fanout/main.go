// Command fanout is a fan-out server in five ways, each written the way its
// users would write it: every message a client sends goes to every
// connection (the sender included). -impl chooses:
//
//	netman-sendmany  netman's SendMany: the message packed once for all connections
//	netman-loop      the seed's loop: for each of GetConnects(), conn.Send
//	net              the standard library, a goroutine per connection, a loop of conn.Write
//	gnet             gnet v2, a loop of Conn.Write from OnTraffic (one event loop: all conns on it)
//	nbio             nbio, a loop of Conn.Write from OnData
//	cluster-1node    netman cluster: a room on one node (embedded NATS), Publish
//	cluster-3nodes   three cluster nodes in this process, embedded NATS servers
//	                 routed, listening on -addr's port and the next two
//
// The cluster servers take message 2 (join the room, bind to the user
// named in the payload, answered with "ok"), 1 (publish to the room) and 3
// (a byte n, a user name of n bytes, data: SendToUser).
//
// The netman servers decode and re-pack messages (netman's default format,
// an 8-byte header); the others relay the bytes they read as they are.
package main

import (
	"context"
	"errors"
	"flag"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/logging"
	"github.com/panjf2000/gnet/v2"
	gnetlog "github.com/panjf2000/gnet/v2/pkg/logging"
	"github.com/rs/zerolog"

	"github.com/netman-go/netman/benchmarks/internal/serve"
	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netman/server"
)

func main() {
	impl := flag.String("impl", "netman-sendmany", "netman-sendmany, netman-loop, net, gnet or nbio")
	f := serve.Parse()
	ctx, stop := serve.SignalContext()
	defer stop()
	var err error
	switch *impl {
	case "netman-sendmany", "netman-loop":
		err = runNetman(ctx, f, *impl)
	case "net":
		err = runNet(ctx, f)
	case "gnet":
		err = runGnet(ctx, f)
	case "nbio":
		err = runNbio(ctx, f)
	case "cluster-1node":
		err = runCluster(ctx, f, 1)
	case "cluster-3nodes":
		err = runCluster(ctx, f, 3)
	default:
		err = errors.New("unknown -impl " + *impl)
	}
	if err != nil && ctx.Err() == nil {
		serve.Fatal(*impl, err)
	}
}

type sendMany struct{ s *server.Server }

func (h sendMany) Do(r iface.IRequest) {
	m := r.GetMessage()
	_, _ = h.s.SendMany(h.s.GetConnectMgr().GetConnects(), m.ID(), m.Bytes())
}

type seedLoop struct{}

func (seedLoop) Do(r iface.IRequest) {
	m := r.GetMessage()
	for _, c := range r.GetConnects() {
		_, _ = c.Send(m.ID(), m.Bytes())
	}
}

func runNetman(ctx context.Context, f serve.Flags, impl string) error {
	host, port, err := hostPort(f.Addr)
	if err != nil {
		return err
	}
	s := server.New(host, port, server.WithNumEventLoop(f.Loops), server.WithLogOutput(os.Stderr),
		server.WithLogLevel(zerolog.WarnLevel), server.WithMaxPendingWrite(4<<20))
	var h iface.IRouter = seedLoop{}
	if impl == "netman-sendmany" {
		h = sendMany{s}
	}
	s.AddRouter(1, h)
	if err := s.Listen(); err != nil {
		return err
	}
	go func() { <-ctx.Done(); s.Stop() }()
	serve.Announce(impl, f.Addr)
	return s.Start()
}

func runNet(ctx context.Context, f serve.Flags) error {
	ln, err := net.Listen("tcp", f.Addr)
	if err != nil {
		return err
	}
	go func() { <-ctx.Done(); ln.Close() }()
	serve.Announce("net", f.Addr)
	var mu sync.Mutex
	conns := map[net.Conn]struct{}{}
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		mu.Lock()
		conns[c] = struct{}{}
		mu.Unlock()
		go func() {
			defer func() { mu.Lock(); delete(conns, c); mu.Unlock(); c.Close() }()
			buf := make([]byte, 64<<10)
			for {
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				mu.Lock()
				for o := range conns {
					_, _ = o.Write(buf[:n])
				}
				mu.Unlock()
			}
		}()
	}
}

type gnetServer struct {
	gnet.BuiltinEventEngine
	addr  string
	conns map[gnet.Conn]struct{} // only touched on the one event loop
}

func (g *gnetServer) OnBoot(gnet.Engine) gnet.Action {
	serve.Announce("gnet", g.addr)
	return gnet.None
}

func (g *gnetServer) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	g.conns[c] = struct{}{}
	return nil, gnet.None
}

func (g *gnetServer) OnClose(c gnet.Conn, _ error) gnet.Action {
	delete(g.conns, c)
	return gnet.None
}

func (g *gnetServer) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	for o := range g.conns {
		_, _ = o.Write(buf)
	}
	return gnet.None
}

func runGnet(ctx context.Context, f serve.Flags) error {
	proto := "tcp://" + f.Addr
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gnet.Stop(sctx, proto)
	}()
	// One event loop: Conn.Write is for the loop of the connection, so a
	// multi-loop fan-out would need AsyncWrite; with one, every conn is here.
	return gnet.Run(&gnetServer{addr: f.Addr, conns: map[gnet.Conn]struct{}{}}, proto,
		gnet.WithNumEventLoop(1), gnet.WithTCPNoDelay(gnet.TCPNoDelay), gnet.WithLogLevel(gnetlog.ErrorLevel))
}

func runNbio(ctx context.Context, f serve.Flags) error {
	logging.SetLevel(logging.LevelError)
	engine := nbio.NewEngine(nbio.Config{Network: "tcp", Addrs: []string{f.Addr}, NPoller: f.Loops})
	var mu sync.RWMutex
	conns := map[*nbio.Conn]struct{}{}
	engine.OnOpen(func(c *nbio.Conn) { mu.Lock(); conns[c] = struct{}{}; mu.Unlock() })
	engine.OnClose(func(c *nbio.Conn, _ error) { mu.Lock(); delete(conns, c); mu.Unlock() })
	engine.OnData(func(_ *nbio.Conn, data []byte) {
		mu.RLock()
		for o := range conns {
			_, _ = o.Write(data)
		}
		mu.RUnlock()
	})
	if err := engine.Start(); err != nil {
		return err
	}
	serve.Announce("nbio", f.Addr)
	<-ctx.Done()
	engine.Stop()
	return nil
}

// hostPort splits a -addr flag.
func hostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	return host, port, err
}
