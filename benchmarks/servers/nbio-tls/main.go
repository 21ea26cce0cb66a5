// Command nbio-tls is the TLS echo server of github.com/lesismal/nbio written
// as its TLS example writes it: nbio's extension/tls (a crypto/tls fork,
// github.com/lesismal/llib/std/crypto/tls, that decrypts on the poller)
// wrapping OnOpen, OnData and OnClose; OnData writes the plaintext back.
package main

import (
	ltls "github.com/lesismal/llib/std/crypto/tls"
	"github.com/lesismal/nbio"
	ntls "github.com/lesismal/nbio/extension/tls"
	"github.com/lesismal/nbio/logging"

	"github.com/netman-go/netman/benchmarks/internal/serve"
)

func main() {
	f := serve.Parse()
	logging.SetLevel(logging.LevelError)
	std, err := serve.TLSConfig()
	if err != nil {
		serve.Fatal("nbio-tls", err)
	}
	// The fork has its own Certificate type, with the same fields.
	cert := std.Certificates[0]
	cfg := &ntls.Config{
		Certificates: []ltls.Certificate{{Certificate: cert.Certificate, PrivateKey: cert.PrivateKey}},
		MinVersion:   ltls.VersionTLS12,
	}
	engine := nbio.NewEngine(nbio.Config{
		Network: "tcp",
		Addrs:   []string{f.Addr},
		NPoller: f.Loops,
	})
	isClient := false
	engine.OnOpen(ntls.WrapOpen(cfg, isClient, nil))
	engine.OnClose(ntls.WrapClose(nil))
	engine.OnData(ntls.WrapData(func(c *nbio.Conn, tlsConn *ntls.Conn, data []byte) {
		_, _ = tlsConn.Write(data)
	}))
	if err := engine.Start(); err != nil {
		serve.Fatal("nbio-tls", err)
	}
	serve.Announce("nbio-tls", f.Addr)
	ctx, stop := serve.SignalContext()
	defer stop()
	<-ctx.Done()
	engine.Stop()
}
