// Package server is netman's server API: server.New for TCP with routes and
// middleware, server.Websocket for WebSocket, and their options.
//
// Connections live on netpoll event loops. Routes, middleware and hooks run
// on a bounded worker pool by default, so they may block (a database call
// holds one worker, not an event loop); the messages of one connection are
// handled one at a time, in the order they arrived, with OnOpen before the
// first and OnClose after the last. WithHandlerOnLoop runs them on the loop
// instead, for non-blocking, latency-critical handlers.
//
// Backpressure runs from the socket to the handler: while a connection's
// queued output is above half its bound (WithMaxPendingWrite), its next
// message is not handed to a handler and it is not read; when the output
// drains the connection goes on. A handler that answers each message with no
// more than it received thus never meets a full write queue, however slowly
// its client reads. Writes that still do not fit follow the write policy of
// WithWriteWait and WithCloseOnWriteOverflow, and are counted in Stats.
//
// The package is the seed framework's names and the wiring: a protocol
// (packets, or WebSocket through the ws codec, which owns the close
// handshake) over a transport (a netpoll connection, or tlsconn for TLS,
// whose handshake hands its result back to the loop), with the application's
// events run by netman's dispatcher (netman/internal/dispatch).
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netman-go/netman/framing"
	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netman/util"
	"github.com/netman-go/netman/netpoll"
	"github.com/netman-go/netman/router"
	"github.com/netman-go/netman/ws"
	"github.com/rs/zerolog"
)

// ErrServerStopped is returned by Start after Stop, and by Listen or Start
// on a stopped server.
var ErrServerStopped = errors.New("netman: server stopped")

// Server is a netman server; create it with New or Websocket.
type Server struct {
	ip   string
	port int
	opts options
	log  zerolog.Logger

	rt        *router.Router[*request]
	packer    framing.Packer
	proto     protocol // packets (New) or WebSocket (Websocket)
	tlsConfig *tls.Config
	configErr error

	mu       sync.Mutex
	np       *netpoll.Server
	listened bool
	stopped  bool

	conns    manager
	disp     *dispatcher
	ids      atomic.Int64
	unrLog   zerolog.Logger
	writeLog zerolog.Logger // sampled, like unrLog
	writes   struct {
		waiters
		refused, waited, closed atomic.Uint64
	}
	fan fanout // SendMany and OnConnClose (fanout.go)
}

var _ iface.IServer = (*Server)(nil)

// New returns a TCP server for ip:port. Messages use the default packet
// format (util.NewDataPacker()) unless WithPacker says otherwise. Errors in
// the options (such as an unreadable certificate) are returned by Start.
func New(ip string, port int, opts ...Option) *Server {
	s := &Server{ip: ip, port: port, opts: defaultOptions()}
	for _, o := range opts {
		o(&s.opts)
	}
	s.log = zerolog.New(s.opts.logOutput).Level(s.opts.logLevel).With().Timestamp().Str("server", s.addr()).Logger()
	s.unrLog = s.log.Sample(&zerolog.BurstSampler{Burst: 5, Period: time.Second})
	s.writeLog = s.log.Sample(&zerolog.BurstSampler{Burst: 5, Period: time.Second})
	var rtOpts []router.Option[*request]
	if s.opts.notFound != nil {
		rtOpts = append(rtOpts, router.WithNotFound(route(s.opts.notFound)))
	}
	s.rt = router.New[*request](rtOpts...)
	s.packer = framing.Default
	if s.opts.packer != nil {
		if _, ok := s.opts.packer.(*util.DataPacker); !ok {
			s.packer = packer{s.opts.packer}
		}
		s.opts.packer.SetMaxBodyLength(s.opts.maxBodyLength)
	}
	s.tlsConfig, s.configErr = s.opts.tls()
	s.proto = tcpProtocol{s}
	s.disp = s.newDispatcher()
	return s
}

func (s *Server) addr() string { return net.JoinHostPort(s.ip, strconv.Itoa(s.port)) }

// AddRouter routes messages with msgID to r, after the global middleware.
// Registering after Start, or twice for one id, is refused with an error.
func (s *Server) AddRouter(msgID uint32, r iface.IRouter) error {
	return s.logged(s.rt.Handle(msgID, route(r)), "add router")
}

// Use adds global middleware: it runs for every message, before group
// middleware, in the order added, whether added before or after the routes.
func (s *Server) Use(mw ...iface.MiddlewareFunc) error {
	return s.logged(s.rt.Use(adaptAll(mw)...), "use middleware")
}

// Group returns a group of routes that run mw after the global middleware.
func (s *Server) Group(mw ...iface.MiddlewareFunc) iface.IGroup {
	return &group{g: s.rt.Group(adaptAll(mw)...)}
}

func (s *Server) logged(err error, what string) error {
	if err != nil {
		s.log.Error().Err(err).Msg(what)
	}
	return err
}

// Listen binds the address without serving yet, so Addr reports a port
// chosen by the system (port 0). Start calls it if it was not called.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return ErrServerStopped
	}
	if s.listened {
		return nil
	}
	if s.configErr != nil {
		s.log.Error().Err(s.configErr).Msg("invalid configuration")
		return s.configErr
	}
	s.np = netpoll.NewServer(s.handler(), s.netpollOptions()...)
	if err := s.np.Listen("tcp", s.addr()); err != nil {
		s.log.Error().Err(err).Msg("listen failed")
		return err
	}
	s.listened = true
	return nil
}

// Addr returns the listening address, or nil before Listen/Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.np == nil {
		return nil
	}
	return s.np.Addr()
}

// Start listens (unless Listen was called) and serves until Stop. It
// returns nil after Stop, or the error that kept it from serving.
func (s *Server) Start() error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.rt.Freeze()
	s.mu.Lock()
	np := s.np
	s.mu.Unlock()
	ev := s.log.Info().Str("addr", np.Addr().String()).Int("loops", s.opts.numEventLoop).
		Bool("tls", s.tlsConfig != nil).Str("protocol", s.proto.name()).Bool("handler_on_loop", s.opts.handlerOnLoop)
	if s.opts.heartbeatInterval > 0 && s.opts.heartbeatIdle > 0 {
		ev = ev.Dur("heartbeat_idle", s.opts.heartbeatIdle)
	}
	ev.Uints32("routes", s.rt.Routes()).Msg("netman server started")
	err := np.Serve()
	s.disp.Close()
	if errors.Is(err, netpoll.ErrServerClosed) {
		s.log.Info().Msg("netman server stopped")
		return nil
	}
	s.log.Error().Err(err).Msg("serve failed")
	return err
}

// Stop stops accepting, closes every connection after flushing what was
// sent to it (waiting at most 10 s), and makes Start return.
func (s *Server) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Shutdown(ctx)
}

// Shutdown is Stop with a caller's deadline.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	np := s.np
	s.mu.Unlock()
	if np == nil {
		return nil
	}
	s.proto.stopping()
	return np.Shutdown(ctx)
}

// GetConnectMgr returns the manager of the open connections.
func (s *Server) GetConnectMgr() iface.IConnectManager { return &s.conns }

// Unrouted returns how many messages had no route.
func (s *Server) Unrouted() uint64 { return s.rt.Unrouted() }

func (s *Server) netpollOptions() []netpoll.Option {
	o := []netpoll.Option{
		netpoll.WithLoops(s.opts.numEventLoop),
		netpoll.WithTCPKeepAlive(s.opts.tcpKeepAlive),
		netpoll.WithErrorLog(func(err error) { s.log.Warn().Err(err).Msg("netpoll") }),
	}
	if s.opts.reusePort {
		o = append(o, netpoll.WithReusePort())
	}
	if s.opts.heartbeatInterval > 0 && s.opts.heartbeatIdle > 0 {
		o = append(o, netpoll.WithIdleTimeout(s.opts.heartbeatIdle))
	}
	if s.opts.maxPendingWrite > 0 {
		o = append(o, netpoll.WithMaxPendingWrite(s.opts.maxPendingWrite))
	}
	return o
}

// handler returns the netpoll handler for the server's protocol.
func (s *Server) handler() netpoll.Handler { return s.transportHandler(s.proto) }

// newConn allocates the connection of t as a tcpConn (TCP and TLS servers;
// tcpOf relies on it).
func (s *Server) newConn(t transport) *connection {
	c := new(tcpConn)
	s.initConn(&c.connection, t)
	return &c.connection
}

// initConn sets up c, new and zero, as the connection of t with the next
// id; a protocol that allocates its connection inside a larger struct
// calls it on the embedded one.
func (s *Server) initConn(c *connection, t transport) {
	c.id, c.srv, c.t = int(s.ids.Add(1)), s, t
}

// opened registers a new connection and queues its OnOpen; on the loop.
func (s *Server) opened(c *connection) {
	s.conns.add(c)
	if e := s.log.Debug(); e.Enabled() { // RemoteAddr allocates: only when logged
		e.Int("conn", c.id).Stringer("remote", c.RemoteAddr()).Msg("connection opened")
	}
	s.disp.Open(c)
}

// closed unregisters a connection and queues its OnClose after its pending
// messages; on the loop.
func (s *Server) closed(c *connection, reason error) {
	c.set(flagClosed)
	s.conns.remove(c)
	s.writes.wake(c) // a writer waiting for room finds the connection closed
	s.notifyClosed(c)
	switch {
	case normalClose(reason), errors.Is(reason, ws.ErrClosed):
		s.log.Debug().Int("conn", c.id).AnErr("reason", reason).Msg("connection closed")
	case errors.Is(reason, ws.ErrMessageTooBig):
		s.log.Warn().Int("conn", c.id).Stringer("remote", c.RemoteAddr()).Err(reason).
			Int("max_message_size", s.opts.wsMaxMessage).Msg("connection closed: message too large")
	case errors.Is(reason, framing.ErrBodyTooLarge):
		s.log.Warn().Int("conn", c.id).Stringer("remote", c.RemoteAddr()).Err(reason).
			Uint32("max_body_length", s.opts.maxBodyLength).Msg("connection closed: message too large")
	case errors.Is(reason, netpoll.ErrIdleTimeout):
		s.log.Info().Int("conn", c.id).Stringer("remote", c.RemoteAddr()).
			Dur("idle", s.opts.heartbeatIdle).Msg("connection closed: heartbeat timeout")
	default:
		s.log.Warn().Int("conn", c.id).Stringer("remote", c.RemoteAddr()).Err(reason).Msg("connection closed")
	}
	s.disp.Closed(c)
}

// tls builds the TLS configuration: WithTLSConfig wins over WithTls.
func (o *options) tls() (*tls.Config, error) {
	if o.tlsConfig != nil {
		return o.tlsConfig, nil
	}
	if o.tlsCertFile == "" && o.tlsKeyFile == "" {
		return nil, nil
	}
	pair, err := tls.LoadX509KeyPair(o.tlsCertFile, o.tlsKeyFile)
	if err != nil {
		return nil, fmt.Errorf("netman: WithTls(%q, %q): %w", o.tlsCertFile, o.tlsKeyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}}, nil
}
