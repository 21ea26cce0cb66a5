package cluster

import (
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// startEmbedded starts the embedded NATS server and waits until it accepts
// clients.
func startEmbedded(opts *server.Options) (*server.Server, error) {
	if opts == nil {
		opts = &server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true}
	}
	opts.NoSigs = true // the application owns the process's signals
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrEmbedded, err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("%w: not ready after 10 s", ErrEmbedded)
	}
	return ns, nil
}

func (c *Cluster) shutdownEmbedded() {
	if c.ns != nil {
		c.ns.Shutdown()
		c.ns.WaitForShutdown()
	}
}

// EmbeddedNATS returns the embedded NATS server, nil with WithNATS.
func (c *Cluster) EmbeddedNATS() *server.Server { return c.ns }

// connect connects to NATS: reconnecting forever, with a bounded buffer for
// what is published meanwhile.
func (c *Cluster) connect(urls []string) error {
	log := c.opts.log
	opts := []nats.Option{
		nats.Name("netman-cluster"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(100 * time.Millisecond),
		nats.ReconnectJitter(50*time.Millisecond, 50*time.Millisecond),
		nats.ReconnectBufSize(c.opts.reconnectBuf),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if !c.closed.Load() {
				log.Warn().Err(err).Msg("NATS disconnected; reconnecting")
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info().Str("url", nc.ConnectedUrlRedacted()).Msg("NATS reconnected")
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			ev := c.sampled.Warn().Err(err)
			if sub != nil {
				ev = ev.Str("subject", sub.Subject)
			}
			ev.Msg("NATS error")
		}),
	}
	url := urls[0]
	for _, u := range urls[1:] {
		url += "," + u
	}
	nc, err := nats.Connect(url, append(opts, c.opts.natsOpts...)...)
	if err != nil {
		return fmt.Errorf("cluster: connect to NATS %s: %w", url, err)
	}
	c.nc = nc
	return nil
}
