// Command server is the seed framework's WebSocket example on netman: it
// answers every message with "hi <message>" and serves the browser page
// (client.html) on the same port, so opening http://127.0.0.1:6565/ gives a
// page that connects to it.
//
//	go run ./examples/websocket/server -addr 127.0.0.1:6565
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/netman-go/netman/examples/websocket"
	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netman/server"
)

// Handler prints the WebSocket events and answers messages.
type Handler struct{}

// Open runs once the upgrade succeeded.
func (Handler) Open(c iface.IConnect) {
	fmt.Println("onopen", c.GetID(), "from", c.RemoteAddr(), "query", c.Query().Encode())
}

// Message answers with "hi " and the message, as text.
func (Handler) Message(r iface.IRequest) {
	msg, c := r.GetMessage(), r.GetConnect()
	fmt.Printf("recv %s (text: %v)\n", msg.String(), msg.IsText())
	if _, err := c.Text([]byte(fmt.Sprintf("hi %s", msg.Bytes()))); err != nil {
		fmt.Println("send:", err)
	}
}

// Close runs once after Open, whatever ended the connection.
func (Handler) Close(c iface.IConnect) { fmt.Println("onclose", c.GetID()) }

// page serves client.html at "/" to plain HTTP requests.
func page() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(websocket.ClientHTML)
	})
	return mux
}

func main() {
	addr := flag.String("addr", "127.0.0.1:6565", "listen address")
	flag.Parse()
	host, portStr, err := net.SplitHostPort(*addr)
	if err != nil {
		log.Fatal(err)
	}
	port, _ := strconv.Atoi(portStr)
	fmt.Println("pid", os.Getpid())

	s := server.Websocket(host, port, Handler{},
		server.WithLogOutput(os.Stdout),
		server.WithTCPKeepAlive(30*time.Second),
		server.WithMaxMessageSize(1<<20),
		server.WithCompression(),
		server.WithHTTPHandler(page()),
		server.WithHeartbeatCheckInterval(60*time.Second),
		server.WithHeartbeatIdleTime(180*time.Second),
	)
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
