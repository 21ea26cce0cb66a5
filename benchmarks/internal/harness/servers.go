package harness

import (
	"fmt"
	"slices"
	"strings"
)

// Protocol is how the load generator talks to a server.
type Protocol string

// The protocols a server row can use. Rows are compared only with rows of
// the same protocol: each protocol gets its own tables.
const (
	// TCP is plain TCP carrying the default wire format.
	TCP Protocol = "tcp"
	// TLS is TCP wrapped in TLS 1.3.
	TLS Protocol = "tls"
	// WS is WebSocket, one binary message per frame.
	WS Protocol = "ws"
)

// Server is one row of the benchmark: a name, a main package the harness
// builds into its own binary, and the protocol it speaks. Every server binary
// follows the contract of package serve: -addr host:port and -loops N, an
// echo of each message, a clean exit on SIGINT or SIGTERM.
type Server struct {
	// Name labels the row; -servers selects by it.
	Name string
	// Target is the package path given to go build (built in the workspace,
	// so any module of the repository can hold it).
	Target string
	// Protocol is how the load generator reaches it.
	Protocol Protocol
	// Netman marks netman's own servers; the others are peers, and the best
	// peer is the reference netman is held against.
	Netman bool
	// Args are extra arguments after -addr and -loops.
	Args []string
	// C marks a server written in C: Target is then a directory of the
	// benchmarks module holding its .c files, which the harness compiles
	// with the system's C compiler (see CCompilers); without one the row
	// is skipped with a note.
	C bool
}

// Servers is the registry, in the order rows appear in the tables. Adding a
// row is adding an entry here (and its main package, if it is new).
var Servers = []Server{
	// netman's bare reactor: the coordinator's examples/echo, a raw netpoll echo.
	{Name: "netpoll", Target: "github.com/netman-go/netman/examples/echo", Protocol: TCP, Netman: true},

	// netman's routed echo through the umbrella API (netman/server): one
	// route, AddRouter(0, echo), on the default worker pool, and the same with
	// WithHandlerOnLoop (handlers on the event loop).
	{Name: "netman", Target: ModulePath + "/servers/netman", Protocol: TCP, Netman: true},
	{Name: "netman-onloop", Target: ModulePath + "/servers/netman", Protocol: TCP, Netman: true, Args: []string{"-on-loop"}},
	// The same route with WithRequestPool: the request and its bytes are
	// recycled once the handler returns (the handler keeps nothing), so a
	// message costs no allocation. The -pool rows of TLS and WebSocket too.
	{Name: "netman-pool", Target: ModulePath + "/servers/netman", Protocol: TCP, Netman: true, Args: []string{"-pool"}},

	// Peers.
	{Name: "net", Target: "github.com/netman-go/netman/benchmarks/servers/net", Protocol: TCP},
	{Name: "gnet", Target: "github.com/netman-go/netman/benchmarks/servers/gnet", Protocol: TCP},
	{Name: "nbio", Target: "github.com/netman-go/netman/benchmarks/servers/nbio", Protocol: TCP},
	// The floor: a small C echo on epoll (servers/cepoll/cepoll.c), one
	// thread, one write per read.
	{Name: "cepoll", Target: "servers/cepoll", Protocol: TCP, C: true},

	// TLS (a self-signed ECDSA P-256 certificate made at start, TLS 1.3 as
	// the load generator's crypto/tls client negotiates): netman's routed
	// echo with WithTLSConfig; crypto/tls with a goroutine per connection;
	// nbio's extension/tls (llib's crypto/tls fork on nbio's pollers). The
	// fork's copy of internal/cpu is never initialised, so on amd64 it takes
	// the CPU for one without AES hardware and picks ChaCha20-Poly1305 where
	// the other two negotiate AES-128-GCM (and X25519 where they use
	// X25519MLKEM768): its CPU per message is not the same work.
	//
	// tlsconn is netman's raw TLS echo (tlsconn on bare netpoll, no framing
	// or routing): against cryptotls, also a raw echo, it measures the TLS
	// transports alone, as netpoll against net does for TCP. netman-tls is
	// the routed echo of the netman row over TLS.
	{Name: "tlsconn", Target: ModulePath + "/servers/tlsconn", Protocol: TLS, Netman: true},
	{Name: "netman-tls", Target: ModulePath + "/servers/netman", Protocol: TLS, Netman: true, Args: []string{"-tls"}},
	{Name: "netman-tls-pool", Target: ModulePath + "/servers/netman", Protocol: TLS, Netman: true, Args: []string{"-tls", "-pool"}},
	{Name: "cryptotls", Target: ModulePath + "/servers/net", Protocol: TLS, Args: []string{"-tls"}},
	{Name: "nbio-tls", Target: ModulePath + "/servers/nbio-tls", Protocol: TLS},

	// WebSocket (each load generator write is one binary message, echoed as
	// one): netman's server.Websocket; gorilla/websocket and gobwas/ws with a
	// goroutine per connection; nbio's nbhttp/websocket on its pollers.
	// wsconn is the bare reactor for WebSocket (the ws codec on netpoll,
	// echoing on the loop), as tlsconn is for TLS.
	{Name: "wsconn", Target: ModulePath + "/servers/wsconn", Protocol: WS, Netman: true},
	{Name: "netman-ws", Target: ModulePath + "/servers/netman-ws", Protocol: WS, Netman: true},
	{Name: "netman-ws-pool", Target: ModulePath + "/servers/netman-ws", Protocol: WS, Netman: true, Args: []string{"-pool"}},
	{Name: "gorilla", Target: ModulePath + "/servers/gorilla", Protocol: WS},
	{Name: "gobwas", Target: ModulePath + "/servers/gobwas", Protocol: WS},
	{Name: "nbio-ws", Target: ModulePath + "/servers/nbio-ws", Protocol: WS},
}

// Protocols lists the protocols in the order their tables appear.
var Protocols = []Protocol{TCP, TLS, WS}

// Baselines names, per protocol, the goroutine-per-connection server every
// row of that protocol is compared with (the "vs" column beside "vs best
// peer"; the best peer is the best non-netman row of the same protocol).
var Baselines = map[Protocol]string{TCP: "net", TLS: "cryptotls", WS: "gorilla"}

// Label is the protocol's name in headings.
func (p Protocol) Label() string {
	switch p {
	case TLS:
		return "TLS"
	case WS:
		return "WebSocket"
	default:
		return "TCP"
	}
}

// ServerNames returns the names of the registered servers.
func ServerNames() []string {
	names := make([]string, len(Servers))
	for i, s := range Servers {
		names[i] = s.Name
	}
	return names
}

// selectServers returns the registered servers named in names (all when
// names is empty), in registry order.
func selectServers(names []string) ([]Server, error) {
	if len(names) == 0 {
		return slices.Clone(Servers), nil
	}
	var out []Server
	for _, n := range names {
		i := slices.IndexFunc(Servers, func(s Server) bool { return s.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("%w: unknown server %q (known: %s)", ErrConfig, n, strings.Join(ServerNames(), ", "))
		}
		if !slices.ContainsFunc(out, func(s Server) bool { return s.Name == n }) {
			out = append(out, Servers[i])
		}
	}
	slices.SortStableFunc(out, func(a, b Server) int {
		return slices.IndexFunc(Servers, func(s Server) bool { return s.Name == a.Name }) -
			slices.IndexFunc(Servers, func(s Server) bool { return s.Name == b.Name })
	})
	return out, nil
}
