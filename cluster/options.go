package cluster

import (
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	netman "github.com/netman-go/netman/netman/server"
	"github.com/rs/zerolog"
)

// Option configures a Cluster.
type Option func(*options)

type options struct {
	urls            []string        // external NATS; empty: embedded
	embedded        *server.Options // options of the embedded server
	natsOpts        []nats.Option
	servers         []*netman.Server
	prefix          string
	buckets         int
	queueLen        int
	reconnectBuf    int
	presenceTimeout time.Duration
	log             zerolog.Logger
}

func defaultOptions() options {
	return options{
		prefix:          "netman",
		buckets:         1024,
		queueLen:        8192,
		reconnectBuf:    8 << 20,
		presenceTimeout: 250 * time.Millisecond,
		log:             zerolog.New(os.Stdout).With().Timestamp().Str("component", "cluster").Logger(),
	}
}

// WithNATS connects to an external NATS server or cluster (its client
// URLs, such as "nats://10.0.0.1:4222") instead of starting an embedded
// server. Credentials and TLS go in WithNATSOptions.
func WithNATS(urls ...string) Option {
	return func(o *options) { o.urls = append(o.urls, urls...) }
}

// WithEmbeddedNATS starts the embedded NATS server with opts (a copy is
// used) instead of the default, a standalone server on a free port of
// 127.0.0.1. Set opts.Cluster and opts.Routes to make the embedded servers
// of several nodes one NATS cluster. Ignored with WithNATS.
func WithEmbeddedNATS(opts *server.Options) Option {
	return func(o *options) { c := *opts; o.embedded = &c }
}

// WithNATSOptions passes options to nats.Connect (credentials, TLS, a
// name, ...). They come after the cluster's own, so they win.
func WithNATSOptions(opts ...nats.Option) Option {
	return func(o *options) { o.natsOpts = append(o.natsOpts, opts...) }
}

// WithServers adds more netman servers of this node (for example a
// WebSocket server beside the TCP one): their connections can be bound and
// joined, and Broadcast reaches them too.
func WithServers(srvs ...*netman.Server) Option {
	return func(o *options) { o.servers = append(o.servers, srvs...) }
}

// WithSubjectPrefix sets the first token of every NATS subject the cluster
// uses (default "netman"), so several services can share one NATS.
func WithSubjectPrefix(p string) Option {
	return func(o *options) {
		if p != "" {
			o.prefix = p
		}
	}
}

// WithBuckets sets how user IDs and room names map to NATS subjects. n > 0
// (the default is 1024) hashes them into n subjects per kind: a node holds
// at most n subscriptions per kind however many users and rooms it has,
// and may receive messages for users of the same bucket that it then
// drops. n == 0 gives every user and room its own subject: a node receives
// only its own users' messages, at the price of one NATS subscription
// (about 1 KiB across client and server) per user and room.
func WithBuckets(n int) Option {
	return func(o *options) {
		if n >= 0 {
			o.buckets = n
		}
	}
}

// WithQueueLen bounds the messages received from NATS and not yet
// delivered to local connections (default 8192). When it is full, NATS
// drops what arrives (a slow consumer): Stats().Dropped counts them.
func WithQueueLen(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.queueLen = n
		}
	}
}

// WithReconnectBuffer bounds the bytes published while the NATS connection
// is down (default 8 MiB); past it sends fail with ErrReconnecting.
func WithReconnectBuffer(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.reconnectBuf = n
		}
	}
}

// WithPresenceTimeout sets how long a presence query waits for the nodes'
// answers (default 250 ms) when its context has no earlier deadline.
func WithPresenceTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.presenceTimeout = d
		}
	}
}

// WithLogger sets the cluster's logger (default: JSON lines on stdout).
func WithLogger(l zerolog.Logger) Option {
	return func(o *options) { o.log = l }
}
