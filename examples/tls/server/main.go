// Command server is the seed framework's TLS example on netman: an echo
// route over TLS 1.2/1.3, with hooks and a broadcast to other clients.
//
//	go run ./examples/tls/gencert -dir /tmp/netman-tls
//	go run ./examples/tls/server -addr 127.0.0.1:6566 -cert /tmp/netman-tls/server.pem -key /tmp/netman-tls/server.key
//
// Or let go generate write a throwaway pair beside this file (git-ignored)
// and run from here with the default -cert and -key:
//
//	cd examples/tls/server && go generate && go run .
package main

//go:generate go run ../gencert -dir .

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netman/server"
)

// Hooks prints connections as they come and go.
type Hooks struct{}

// OnOpen runs once the TLS handshake is done.
func (Hooks) OnOpen(c iface.IConnect) {
	fmt.Printf("conn %d open from %v\n", c.GetID(), c.RemoteAddr())
}

// OnClose runs after the connection's last message.
func (Hooks) OnClose(c iface.IConnect) { fmt.Printf("conn %d closed\n", c.GetID()) }

// Echo answers with message id 1 and greets every other client.
type Echo struct{}

// Do handles message id 0.
func (Echo) Do(r iface.IRequest) {
	me := r.GetConnect()
	n, err := me.Send(1, r.GetMessage().Bytes())
	fmt.Printf("conn %d: echoed %d bytes, err %v\n", me.GetID(), n, err)
	for _, other := range r.GetConnects() {
		if other.GetID() != me.GetID() {
			_, _ = other.Send(1, []byte("hello world!"))
		}
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:6566", "listen address")
	certFile := flag.String("cert", "server.pem", "certificate (PEM); make one with examples/tls/gencert")
	keyFile := flag.String("key", "server.key", "private key (PEM)")
	flag.Parse()
	host, portStr, err := net.SplitHostPort(*addr)
	if err != nil {
		log.Fatal(err)
	}
	port, _ := strconv.Atoi(portStr)
	pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatalf("%v (run: go run ./examples/tls/gencert -dir <dir>)", err)
	}
	fmt.Println("pid", os.Getpid())

	s := server.New(host, port,
		server.WithNumEventLoop(runtime.NumCPU()),
		server.WithHooks(Hooks{}),
		server.WithTCPKeepAlive(30*time.Second),
		server.WithLogOutput(os.Stdout),
		server.WithHeartbeatCheckInterval(60*time.Second),
		server.WithHeartbeatIdleTime(180*time.Second),
		server.WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}),
	)
	s.AddRouter(0, Echo{})

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		s.Stop()
	}()
	if err := s.Start(); err != nil {
		log.Fatal(err)
	}
}
