// Command server is a user of netman/server, the documented server API: a
// server with one echo route. .ci/modcheck builds it outside the workspace
// against the packed modules (building pulls in every module of ours).
package main

import (
	"log"

	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netman/server"
)

type echo struct{}

func (echo) Do(r iface.IRequest) {
	_, _ = r.GetConnect().Send(r.GetMessage().ID(), r.GetMessage().Bytes())
}

func main() {
	s := server.New("127.0.0.1", 6565)
	s.AddRouter(0, echo{})
	log.Fatal(s.Start())
}
