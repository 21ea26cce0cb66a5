package cluster_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/netman-go/netman/cluster"
	"github.com/netman-go/netman/framing"
	"github.com/netman-go/netman/netman/iface"
	netman "github.com/netman-go/netman/netman/server"
	"github.com/rs/zerolog"
)

// Message IDs of the test service: a client logs in (Bind), joins and
// leaves rooms; the server answers each with an ack of the same ID.
const (
	msgLogin = 1
	msgJoin  = 2
	msgLeave = 3
	msgData  = 10
)

// node is one netman server (TCP, plus a WebSocket server) with its
// cluster node.
type node struct {
	name string
	tcp  *netman.Server
	ws   *netman.Server
	c    *cluster.Cluster
	ns   *natsserver.Server // embedded NATS server (restartable), nil with an external one
	down bool
}

func (n *node) addr() string   { return n.tcp.Addr().String() }
func (n *node) wsAddr() string { return n.ws.Addr().String() }

// handler binds, joins and leaves for the clients of both servers.
type handler struct{ n *node }

func (h handler) do(conn iface.IConnect, id uint32, arg string) error {
	switch id {
	case msgLogin:
		return h.n.c.Bind(conn, arg)
	case msgJoin:
		return h.n.c.Join(conn, arg)
	case msgLeave:
		h.n.c.Leave(conn, arg)
	}
	return nil
}

type route struct {
	h  handler
	id uint32
}

func (r route) Do(req iface.IRequest) {
	c := req.GetConnect()
	if err := r.h.do(c, r.id, req.GetMessage().String()); err != nil {
		c.Send(r.id, []byte("error: "+err.Error()))
		return
	}
	c.Send(r.id, []byte("ok"))
}

// WebSocket clients send "login alice", "join room", "leave room".
func (h handler) Open(iface.IConnect)  {}
func (h handler) Close(iface.IConnect) {}
func (h handler) Message(req iface.IRequest) {
	c := req.GetConnect()
	verb, arg, _ := strings.Cut(req.GetMessage().String(), " ")
	id := map[string]uint32{"login": msgLogin, "join": msgJoin, "leave": msgLeave}[verb]
	if err := h.do(c, id, arg); err != nil {
		c.Text([]byte("error: " + err.Error()))
		return
	}
	c.Text([]byte("ok"))
}

// testLogger keeps the cluster's warnings in the test log.
func testLogger(t testing.TB, name string) zerolog.Logger {
	return zerolog.New(zerolog.TestWriter{T: t, Frame: 6}).Level(zerolog.WarnLevel).With().Str("node", name).Logger()
}

func serve(t testing.TB, s *netman.Server) {
	t.Helper()
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.Start(); close(done) }()
	t.Cleanup(func() { s.Stop(); <-done })
}

// startNode starts a node's servers and joins it to the cluster with opts.
func startNode(t testing.TB, name string, opts ...cluster.Option) *node {
	t.Helper()
	n := &node{name: name}
	so := []netman.Option{netman.WithLogOutput(io.Discard), netman.WithNumEventLoop(1), netman.WithWorkerPoolSize(16)}
	n.tcp = netman.New("127.0.0.1", 0, so...)
	for _, id := range []uint32{msgLogin, msgJoin, msgLeave} {
		n.tcp.AddRouter(id, route{handler{n}, id})
	}
	n.ws = netman.Websocket("127.0.0.1", 0, handler{n}, so...)
	c, err := cluster.New(n.tcp, append([]cluster.Option{
		cluster.WithServers(n.ws), cluster.WithLogger(testLogger(t, name)),
		cluster.WithPresenceTimeout(150 * time.Millisecond),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	n.c = c
	n.ns = c.EmbeddedNATS()
	// Served only now: the handlers read n.c.
	serve(t, n.tcp)
	serve(t, n.ws)
	t.Cleanup(func() { n.kill() })
	return n
}

// kill stops the node as a crash would look to the others: its NATS
// connection, its embedded NATS server and its servers go away.
func (n *node) kill() {
	if n.down {
		return
	}
	n.down = true
	n.c.Close()
	if n.ns != nil {
		n.ns.Shutdown()
		n.ns.WaitForShutdown()
	}
	n.tcp.Stop()
	n.ws.Stop()
}

// freePort returns a port of 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// routedOptions are the embedded NATS options of node i: free ports, and
// a route to routeURL (node 0's cluster address; "" for node 0 itself).
// The servers gossip the rest of the mesh. The ports are the system's
// choice at bind time: ports picked in advance could be taken meanwhile by
// the tests' own outgoing connections.
func routedOptions(i int, routeURL string) *natsserver.Options {
	o := &natsserver.Options{
		ServerName: "n" + strconv.Itoa(i),
		Host:       "127.0.0.1", Port: natsserver.RANDOM_PORT, NoLog: true,
		Cluster: natsserver.ClusterOpts{Name: "netman-test", Host: "127.0.0.1", Port: natsserver.RANDOM_PORT},
	}
	if routeURL != "" {
		o.Routes = natsserver.RoutesFromStr(routeURL)
	}
	return o
}

// env is three nodes, on embedded NATS servers clustered by routes or on
// one external nats-server process.
type env struct {
	t     *testing.T
	nodes []*node
	ext   *natsProcess // nil: embedded

	routeURL string // node 0's NATS cluster address
}

func embeddedEnv(t *testing.T, opts ...cluster.Option) *env {
	e := &env{t: t}
	for i := 0; i < 3; i++ {
		n := startNode(t, "n"+strconv.Itoa(i), append([]cluster.Option{cluster.WithEmbeddedNATS(routedOptions(i, e.routeURL))}, opts...)...)
		if i == 0 {
			e.routeURL = "nats-route://" + n.ns.ClusterAddr().String()
		}
		e.nodes = append(e.nodes, n)
	}
	e.waitRoutes(t)
	return e
}

func externalEnv(t *testing.T, opts ...cluster.Option) *env {
	p := startNATSProcess(t)
	e := &env{t: t, ext: p}
	for i := 0; i < 3; i++ {
		e.nodes = append(e.nodes, startNode(t, "n"+strconv.Itoa(i), append([]cluster.Option{cluster.WithNATS(p.url())}, opts...)...))
	}
	return e
}

func (e *env) live() []*node {
	var out []*node
	for _, n := range e.nodes {
		if !n.down {
			out = append(out, n)
		}
	}
	return out
}

// waitRoutes waits until every live embedded server has a route to every
// other.
func (e *env) waitRoutes(t testing.TB) {
	t.Helper()
	if e.ext != nil {
		return
	}
	live := e.live()
	waitFor(t, "NATS routes", func() bool {
		for _, n := range live {
			if n.ns.NumRoutes() < len(live)-1 {
				return false
			}
		}
		return true
	})
}

// waitInterest waits until a message for subject published on any live
// embedded server reaches every node of interested: each server other
// than the one a node is connected to has that subject in its routes'
// subscriptions from that server. With one external server, Bind's flush
// already guarantees it.
func (e *env) waitInterest(t testing.TB, subject string, interested []*node) {
	t.Helper()
	if e.ext != nil {
		return
	}
	waitFor(t, "NATS routes to carry the interest in "+subject, func() bool {
		for _, n := range interested {
			home := n.c.NATS().ConnectedServerId()
			if home == "" {
				return false
			}
			for _, other := range e.live() {
				if other.ns.ID() == home {
					continue
				}
				if !routeHasSub(other.ns, home, subject) {
					return false
				}
			}
		}
		return true
	})
}

// routeHasSub reports whether ns's routes to the server remoteID carry a
// subscription to subject.
func routeHasSub(ns *natsserver.Server, remoteID, subject string) bool {
	rz, err := ns.Routez(&natsserver.RoutezOptions{Subscriptions: true})
	if err != nil {
		return false
	}
	for _, r := range rz.Routes {
		if r.RemoteID != remoteID {
			continue
		}
		for _, sub := range r.Subs {
			if sub == subject {
				return true
			}
		}
	}
	return false
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// natsProcess is a separate nats-server process built by .ci/run
// (NETMAN_NATS_SERVER is its path).
type natsProcess struct {
	t    testing.TB
	bin  string
	port int
	cmd  *exec.Cmd
}

func startNATSProcess(t testing.TB) *natsProcess {
	t.Helper()
	bin := os.Getenv("NETMAN_NATS_SERVER")
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("NETMAN_NATS_SERVER is not set: .ci/run builds nats-server and sets it")
		}
		t.Skip("NETMAN_NATS_SERVER not set (the path of a nats-server binary; .ci/run builds one)")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("NETMAN_NATS_SERVER: %v", err)
	}
	p := &natsProcess{t: t, bin: bin, port: freePort(t)}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *natsProcess) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", p.port) }

func (p *natsProcess) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, "-a", "127.0.0.1", "-p", strconv.Itoa(p.port))
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	waitFor(p.t, "nats-server to listen", func() bool {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p.port), time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

// stop kills the process (as a crash would) and reaps it.
func (p *natsProcess) stop() {
	if p.cmd != nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
		p.cmd = nil
	}
}

// client is a TCP client of a node.
type client struct {
	t testing.TB
	net.Conn
	name   string
	closed bool
}

func dial(t testing.TB, n *node, name string) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", n.addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(60 * time.Second))
	return &client{t: t, Conn: c, name: name}
}

// do sends a login, join or leave and waits for its ack.
func (c *client) do(id uint32, arg string) {
	c.t.Helper()
	if err := framing.WriteMessage(c, framing.Default, id, []byte(arg)); err != nil {
		c.t.Fatal(err)
	}
	gotID, p := c.recv()
	if gotID != id || string(p) != "ok" {
		c.t.Fatalf("%s: %d %q: got %d %q", c.name, id, arg, gotID, p)
	}
}

func (c *client) recv() (uint32, []byte) {
	c.t.Helper()
	id, p, err := framing.ReadMessage(c, framing.Default, 0)
	if err != nil {
		c.t.Fatalf("%s: read: %v", c.name, err)
	}
	return id, p
}

// wsClient is a WebSocket client of a node.
type wsClient struct {
	t    testing.TB
	c    *websocket.Conn
	name string
}

func dialWS(t testing.TB, n *node, name string) *wsClient {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws://"+n.wsAddr()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(60 * time.Second))
	return &wsClient{t: t, c: c, name: name}
}

func (c *wsClient) do(verb, arg string) {
	c.t.Helper()
	if err := c.c.WriteMessage(websocket.TextMessage, []byte(verb+" "+arg)); err != nil {
		c.t.Fatal(err)
	}
	if typ, p, err := c.c.ReadMessage(); err != nil || typ != websocket.TextMessage || string(p) != "ok" {
		c.t.Fatalf("%s: %s %s: got %d %q %v", c.name, verb, arg, typ, p, err)
	}
}

// receiver is what the delivery checks read from: a TCP or WebSocket
// client, giving each message's payload (and, on WebSocket, whether it
// was text).
type receiver interface {
	next() (payload string, text bool)
	label() string
}

func (c *client) next() (string, bool) {
	c.t.Helper()
	id, p := c.recv()
	if id != msgData {
		c.t.Fatalf("%s: message id %d, want %d", c.name, id, msgData)
	}
	return string(p), false
}
func (c *client) label() string { return c.name }

func (c *wsClient) next() (string, bool) {
	c.t.Helper()
	typ, p, err := c.c.ReadMessage()
	if err != nil {
		c.t.Fatalf("%s: read: %v", c.name, err)
	}
	return string(p), typ == websocket.TextMessage
}
func (c *wsClient) label() string { return c.name }

// expectSeq reads from r until "<tag> end" and checks that it got
// "<tag> 0" .. "<tag> n-1" exactly once each, in order (one publisher).
func expectSeq(t testing.TB, r receiver, tag string, n int, wantText bool) {
	t.Helper()
	for i := 0; ; i++ {
		p, text := r.next()
		if text != wantText {
			t.Fatalf("%s: %q: text=%v, want %v", r.label(), p, text, wantText)
		}
		if p == tag+" end" {
			if i != n {
				t.Fatalf("%s: got %d messages of %s before its end, want %d", r.label(), i, tag, n)
			}
			return
		}
		if want := fmt.Sprintf("%s %d", tag, i); p != want {
			t.Fatalf("%s: got %q, want %q (each message exactly once, in order)", r.label(), p, want)
		}
	}
}

// sendSeq sends "<tag> 0" .. "<tag> n-1" then "<tag> end" with send.
func sendSeq(t testing.TB, tag string, n int, send func([]byte) error) {
	t.Helper()
	for i := 0; i <= n; i++ {
		p := fmt.Sprintf("%s %d", tag, i)
		if i == n {
			p = tag + " end"
		}
		if err := send([]byte(p)); err != nil {
			t.Fatalf("send %q: %v", p, err)
		}
	}
}

func presence(t testing.TB, n *node, user string) cluster.Presence {
	t.Helper()
	p, err := n.c.UserPresence(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newEmbedded starts a NATS server as the cluster's embedded one is.
func newEmbedded(o *natsserver.Options) (*natsserver.Server, error) {
	o.NoSigs = true
	ns, err := natsserver.NewServer(o)
	if err != nil {
		return nil, err
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("NATS server not ready")
	}
	return ns, nil
}
