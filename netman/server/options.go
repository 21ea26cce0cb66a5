package server

import (
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"runtime"
	"time"

	"github.com/netman-go/netman/netman/iface"
	"github.com/rs/zerolog"
)

// Option configures a Server.
type Option func(*options)

type options struct {
	numEventLoop      int
	hooks             iface.IHooks
	maxBodyLength     uint32
	tcpKeepAlive      time.Duration
	logOutput         io.Writer
	logLevel          zerolog.Level
	packer            iface.IPacker
	heartbeatInterval time.Duration
	heartbeatIdle     time.Duration
	tlsCertFile       string
	tlsKeyFile        string
	tlsConfig         *tls.Config
	tlsHandshake      time.Duration
	tlsMaxHandshakes  int
	handlerOnLoop     bool
	requestPool       bool
	workers           int
	maxInbox          int
	maxPendingWrite   int
	notFound          iface.IRouter
	reusePort         bool
	wsMaxMessage      int
	wsCompression     bool
	wsCheckOrigin     func(origin string) bool

	wsDeflateThreshold int          // smallest message compressed; 0: the ws default (tests lower it)
	httpHandler        http.Handler // plain HTTP requests on a WebSocket port
	writeWait          time.Duration
	closeOnOverflow    bool
}

func defaultOptions() options {
	return options{
		numEventLoop: runtime.NumCPU(),
		logOutput:    os.Stdout,
		logLevel:     zerolog.InfoLevel,
		workers:      1024,
		maxInbox:     1024,
		wsMaxMessage: 16 << 20,
		writeWait:    DefaultWriteWait,
	}
}

// WithNumEventLoop sets the number of event loops (default runtime.NumCPU()).
func WithNumEventLoop(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.numEventLoop = n
		}
	}
}

// WithHooks sets the OnOpen/OnClose hooks of a TCP server. OnOpen runs
// before the connection's first message is handled and OnClose after its
// last one, exactly once each.
func WithHooks(hooks iface.IHooks) Option {
	return func(o *options) { o.hooks = hooks }
}

// WithMaxBodyLength refuses messages whose header declares a body longer
// than n bytes; the connection is closed and the event logged. 0 (the
// default) means no limit.
func WithMaxBodyLength(n uint32) Option {
	return func(o *options) { o.maxBodyLength = n }
}

// WithTCPKeepAlive enables TCP keep-alive with the given period; zero or
// a negative d leaves the system default.
func WithTCPKeepAlive(d time.Duration) Option {
	return func(o *options) { o.tcpKeepAlive = d }
}

// WithLogOutput sets where the framework logs (default os.Stdout). Logs are
// zerolog JSON lines: start, stop, connection errors, limits hit; never one
// per message.
func WithLogOutput(w io.Writer) Option {
	return func(o *options) {
		if w != nil {
			o.logOutput = w
		}
	}
}

// WithLogLevel sets the minimum level logged (default zerolog.InfoLevel;
// DebugLevel adds a line per connection opened and closed normally).
func WithLogLevel(level zerolog.Level) Option {
	return func(o *options) { o.logLevel = level }
}

// WithPacker replaces the default packet format (util.NewDataPacker());
// nil keeps the default.
func WithPacker(p iface.IPacker) Option {
	return func(o *options) { o.packer = p }
}

// WithHeartbeatCheckInterval turns on, together with WithHeartbeatIdleTime,
// the closing of silent connections. The seed framework scanned every
// connection once per interval; netman instead files each connection's
// deadline on its event loop's timing wheel, which ticks at a tenth of the
// idle time (at most once a second), so a silent connection is closed
// within a tick of its idle time rather than up to an interval late, and
// nothing scans idle connections. Any positive interval therefore has the
// same effect; zero or a negative d leaves silent connections open.
func WithHeartbeatCheckInterval(d time.Duration) Option {
	return func(o *options) { o.heartbeatInterval = d }
}

// WithHeartbeatIdleTime closes connections that sent nothing for d. It
// takes effect together with WithHeartbeatCheckInterval; zero or a
// negative d leaves silent connections open.
func WithHeartbeatIdleTime(d time.Duration) Option {
	return func(o *options) { o.heartbeatIdle = d }
}

// WithTls enables TLS with a certificate and key in PEM files.
//
// Deprecated: use WithTLSConfig, which wins when both are given. WithTls
// stays for compatibility; a file that cannot be loaded makes Start fail.
func WithTls(certFile, keyFile string) Option {
	return func(o *options) {
		o.tlsCertFile = certFile
		o.tlsKeyFile = keyFile
	}
}

// WithTLSConfig enables TLS with cfg, used as given: ALPN, SNI through
// GetCertificate (which also allows certificate reload without restart) and
// client authentication work as in crypto/tls. nil leaves TLS to WithTls,
// if given.
func WithTLSConfig(cfg *tls.Config) Option {
	return func(o *options) { o.tlsConfig = cfg }
}

// WithTLSHandshakeTimeout bounds the time from accept to a completed TLS
// handshake (default 10 s); a client that is slower, stalls or sends
// garbage is closed and logged. It has no effect without TLS.
func WithTLSHandshakeTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.tlsHandshake = d
		}
	}
}

// WithMaxTLSHandshakes bounds the TLS handshakes that run at once, each on
// a short-lived goroutine (default 256 per CPU). Up to 16 times as many
// more wait for a turn, holding no goroutine; past that a new connection
// is refused and logged. It has no effect without TLS.
func WithMaxTLSHandshakes(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.tlsMaxHandshakes = n
		}
	}
}

// WithHandlerOnLoop runs routes, middleware and hooks directly on the event
// loop that read the message, instead of on the worker pool. It saves a
// hand-off per message (lower latency, less CPU), but a handler that blocks
// then stalls every connection of that loop: use it only for handlers that
// never block (no database, no network, no locks held for long).
func WithHandlerOnLoop() Option {
	return func(o *options) { o.handlerOnLoop = true }
}

// WithRequestPool recycles each received message: the request, its
// IMessage and the bytes of its body are reused for a later message once
// the route and its middleware have returned. A routed message then costs
// no allocation.
//
// It is off by default because it changes what a handler may keep: with
// it, nothing reachable from the IRequest (GetMessage, Bytes, values set
// with Set) may be used after Do returns, nor from a goroutine Do starts.
// Copy what must outlive the call (bytes.Clone(msg.Bytes())). A handler
// that breaks the rule reads another message's bytes; the race detector
// reports it (go test -race). This is the rule of gnet's and nbio's read
// buffers and of fasthttp's RequestCtx, and zinx's RequestPoolMode.
func WithRequestPool() Option {
	return func(o *options) { o.requestPool = true }
}

// WithWorkerPoolSize bounds the goroutines that run handlers (default 1024;
// they start on demand). Handlers may block; each blocked handler holds one
// worker, and the messages of one connection are always handled in order.
func WithWorkerPoolSize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.workers = n
		}
	}
}

// WithMaxPendingMessages bounds the messages read from one connection and
// not yet handled (default 1024; and at most 4 MiB of their payloads). Past
// it the server stops reading that connection until its handler catches up,
// so TCP slows the client down.
func WithMaxPendingMessages(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxInbox = n
		}
	}
}

// WithMaxPendingWrite bounds the bytes queued for one connection that the
// client has not read yet (default 4 MiB); past it Send fails. A message
// sent while nothing is queued is always accepted, however large. Zero or
// a negative n keeps the default.
func WithMaxPendingWrite(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxPendingWrite = n
		}
	}
}

// WithNotFound handles messages whose id has no route. Without it (or with
// nil) they are counted and logged (sampled), then dropped.
func WithNotFound(r iface.IRouter) Option {
	return func(o *options) { o.notFound = r }
}

// WithReusePort gives every event loop its own SO_REUSEPORT listener, so
// the kernel spreads new connections over the loops.
func WithReusePort() Option {
	return func(o *options) { o.reusePort = true }
}

// WithMaxMessageSize bounds a WebSocket message (default 16 MiB, at most
// ws.MaxMessageSizeLimit); a larger one closes the connection with code
// 1009. Zero or a negative n keeps the default.
func WithMaxMessageSize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.wsMaxMessage = n
		}
	}
}

// WithCompression negotiates permessage-deflate with WebSocket clients that
// offer it, without context takeover: each message is compressed on its
// own, so an idle connection keeps no compressor. Messages under 128 bytes,
// or that do not shrink, are sent uncompressed.
func WithCompression() Option {
	return func(o *options) { o.wsCompression = true }
}

// WithCheckOrigin decides whether a WebSocket upgrade from origin is
// accepted (default, and nil: every origin).
func WithCheckOrigin(f func(origin string) bool) Option {
	return func(o *options) { o.wsCheckOrigin = f }
}

// WithHTTPHandler makes a WebSocket server answer plain HTTP GET requests
// (without "Upgrade: websocket") with h instead of 400, so the WebSocket
// port can also serve the page that opens the WebSocket, or a health check.
// h runs on the event loop and must not block; its response is buffered
// and sent with "Connection: close" (one request per connection).
func WithHTTPHandler(h http.Handler) Option {
	return func(o *options) { o.httpHandler = h }
}
