// Command gorilla is the WebSocket echo server of github.com/gorilla/websocket
// written as its own echo example writes it: net/http serves the upgrade, and
// each connection's goroutine reads a message and writes it back.
package main

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/netman-go/netman/benchmarks/internal/serve"
)

var upgrader = websocket.Upgrader{
	ReadBufferSize:  4 << 10,
	WriteBufferSize: 4 << 10,
	CheckOrigin:     func(*http.Request) bool { return true },
}

func echo(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	for {
		mt, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		if err := c.WriteMessage(mt, msg); err != nil {
			return
		}
	}
}

func main() {
	f := serve.Parse()
	ln, err := net.Listen("tcp", f.Addr)
	if err != nil {
		serve.Fatal("gorilla", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(echo), ReadHeaderTimeout: 10 * time.Second}
	serve.Announce("gorilla", ln.Addr().String())
	ctx, stop := serve.SignalContext()
	defer stop()
	go func() {
		<-ctx.Done()
		// Hijacked WebSocket connections are not the server's any more:
		// closing the listener and returning ends them with the process.
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		serve.Fatal("gorilla", err)
	}
}
