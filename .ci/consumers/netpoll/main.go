// Command netpoll is a user of the netpoll module alone: an echo server on
// 127.0.0.1 and one round trip through it. .ci/modcheck builds and runs it
// outside the workspace against the packed modules.
package main

import (
	"bytes"
	"context"
	"io"
	"log"
	"net"

	"github.com/netman-go/netman/netpoll"
)

func main() {
	s := netpoll.NewServer(netpoll.HandlerFuncs{
		Data: func(c *netpoll.Conn, data []byte) (int, error) {
			_, err := c.Write(data)
			return len(data), err
		},
	})
	if err := s.Listen("tcp", "127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	go func() { _ = s.Serve() }()
	defer func() { _ = s.Shutdown(context.Background()) }()

	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	msg := []byte("hello from outside the workspace")
	if _, err := c.Write(msg); err != nil {
		log.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
		log.Fatalf("echo: %q, %v", got, err)
	}
	log.Printf("netpoll echo ok")
}
