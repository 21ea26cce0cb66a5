// Command nbio-ws is the WebSocket echo server of github.com/lesismal/nbio
// written as its examples write it: an nbhttp engine on nbio's pollers and a
// websocket.Upgrader whose OnMessage writes every message back.
package main

import (
	"net/http"

	"github.com/lesismal/nbio/logging"
	"github.com/lesismal/nbio/nbhttp"
	"github.com/lesismal/nbio/nbhttp/websocket"

	"github.com/netman-go/netman/benchmarks/internal/serve"
)

// maxMessage holds the largest message the load generator sends (the large
// scenario goes in 1 MiB chunks, each one message); it is nbio's default.
const maxMessage = 4 << 20

func main() {
	f := serve.Parse()
	logging.SetLevel(logging.LevelError)
	upgrader := websocket.NewUpgrader()
	upgrader.CheckOrigin = func(*http.Request) bool { return true }
	upgrader.OnMessage(func(c *websocket.Conn, mt websocket.MessageType, data []byte) {
		_ = c.WriteMessage(mt, data)
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if _, err := upgrader.Upgrade(w, r, nil); err != nil {
			return
		}
	})
	engine := nbhttp.NewEngine(nbhttp.Config{
		Network: "tcp",
		Addrs:   []string{f.Addr},
		NPoller: f.Loops,
		// nbio refuses connections past MaxLoad (10,000 by default); the
		// idle scenario holds 10,000 plus a few.
		MaxLoad: 20_000,
		Handler: mux,
	})
	upgrader.MessageLengthLimit = maxMessage
	if err := engine.Start(); err != nil {
		serve.Fatal("nbio-ws", err)
	}
	serve.Announce("nbio-ws", f.Addr)
	ctx, stop := serve.SignalContext()
	defer stop()
	<-ctx.Done()
	engine.Stop()
}
