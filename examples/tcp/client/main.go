// Command client is the seed framework's TCP client on netman's wire
// format: it sends a large message (100 MiB by default) every interval and
// prints every message it receives.
//
//	go run ./examples/tcp/client -addr 127.0.0.1:6565 -size 104857600 -count 3
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/netman-go/netman/framing"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6565", "server address")
	size := flag.Int("size", 100<<20, "payload bytes per message")
	count := flag.Int("count", 3, "messages to send (0: forever)")
	interval := flag.Duration("interval", 2*time.Second, "pause between messages")
	flag.Parse()

	conn, err := net.Dial("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	echoes := make(chan int)
	go func() {
		for {
			id, payload, err := framing.ReadMessage(conn, framing.Default, 0)
			if err != nil {
				log.Fatalf("read: %v", err)
			}
			fmt.Printf("recv msgID[%d] len[%d] %s\n", id, len(payload), time.Now().Format("15:04:05.0000"))
			if id == 0 {
				echoes <- len(payload)
			}
		}
	}()

	payload := bytes.Repeat([]byte("a"), *size)
	for i := 0; *count == 0 || i < *count; i++ {
		start := time.Now()
		if err := framing.WriteMessage(conn, framing.Default, 0, payload); err != nil {
			log.Fatalf("write: %v", err)
		}
		if n := <-echoes; n != *size {
			log.Fatalf("echo has %d bytes, want %d", n, *size)
		}
		fmt.Printf("message %d: %d bytes echoed in %v\n", i+1, *size, time.Since(start))
		if *count == 0 || i+1 < *count {
			time.Sleep(*interval)
		}
	}
}
