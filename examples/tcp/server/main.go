// Command server is the seed framework's TCP example on netman: hooks,
// global and group middleware, an echo route that also broadcasts to every
// other connection, and an authenticated group.
//
//	go run ./examples/tcp/server -addr 127.0.0.1:6565
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netman/server"
)

// Hooks prints connections as they come and go.
type Hooks struct{}

// OnOpen runs before the connection's first message.
func (Hooks) OnOpen(c iface.IConnect) {
	fmt.Printf("conn %d open from %v\n", c.GetID(), c.RemoteAddr())
}

// OnClose runs after the connection's last message.
func (Hooks) OnClose(c iface.IConnect) { fmt.Printf("conn %d closed\n", c.GetID()) }

// Echo sends a message back and pushes a greeting to every other client.
type Echo struct{}

// Do handles message id 0.
func (Echo) Do(r iface.IRequest) {
	msg, me := r.GetMessage(), r.GetConnect()
	if _, err := me.Send(msg.ID(), msg.Bytes()); err != nil {
		fmt.Printf("conn %d: send: %v\n", me.GetID(), err)
	}
	for _, other := range r.GetConnects() {
		if other.GetID() != me.GetID() {
			_, _ = other.Send(1, []byte("hello world!"))
		}
	}
}

// Login marks a connection as logged in (message id 2).
type Login struct{ store *sync.Map }

// Do handles message id 2.
func (l Login) Do(r iface.IRequest) {
	l.store.Store(r.GetConnect().GetID(), time.Now())
	_, _ = r.GetConnect().Send(2, []byte("welcome"))
}

// UserInfo answers only logged-in connections (message id 1).
type UserInfo struct{}

// Do handles message id 1.
func (UserInfo) Do(r iface.IRequest) {
	ctx := r.(iface.IContext)
	_, _ = r.GetConnect().Send(1, []byte(fmt.Sprintf("user info; request started at %v", ctx.Get("now"))))
}

// timing is global middleware: it stamps the context and logs the time a
// message took.
func timing() iface.MiddlewareFunc {
	return func(ctx iface.IContext, next iface.Next) interface{} {
		start := time.Now()
		ctx.Set("now", start.UnixNano())
		resp := next(ctx)
		fmt.Printf("msg %d from conn %d took %v\n", ctx.GetMessage().ID(), ctx.GetConnect().GetID(), time.Since(start))
		return resp
	}
}

// authentication is group middleware: not logged in means refused and closed.
func authentication(store *sync.Map) iface.MiddlewareFunc {
	return func(ctx iface.IContext, next iface.Next) interface{} {
		conn := ctx.GetConnect()
		if _, ok := store.Load(conn.GetID()); !ok {
			_, _ = conn.Send(1, []byte("Authentication failed"))
			_ = conn.Close()
			return nil
		}
		return next(ctx)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:6565", "listen address")
	loops := flag.Int("loops", runtime.NumCPU(), "event loops")
	flag.Parse()
	host, portStr, err := net.SplitHostPort(*addr)
	if err != nil {
		log.Fatal(err)
	}
	port, _ := strconv.Atoi(portStr)
	fmt.Println("pid", os.Getpid())

	s := server.New(host, port,
		server.WithNumEventLoop(*loops),
		server.WithHooks(Hooks{}),
		server.WithMaxBodyLength(0), // no limit: the client sends 100 MiB
		server.WithTCPKeepAlive(30*time.Second),
		server.WithLogOutput(os.Stdout),
		server.WithHeartbeatCheckInterval(60*time.Second),
		server.WithHeartbeatIdleTime(180*time.Second),
	)
	logins := &sync.Map{}
	s.Use(timing())
	s.AddRouter(0, Echo{})
	s.AddRouter(2, Login{logins})
	g := s.Group(authentication(logins))
	g.AddRouter(1, UserInfo{})

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
