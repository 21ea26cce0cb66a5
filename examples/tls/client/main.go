// Command client is the seed framework's TLS client: it sends a 2 MiB
// message every second over crypto/tls and checks each reply.
//
//	go run ./examples/tls/client -addr 127.0.0.1:6566 -count 3
package main

import (
	"bytes"
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/netman-go/netman/framing"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6566", "server address")
	size := flag.Int("size", 2<<20, "payload bytes per message")
	count := flag.Int("count", 3, "messages to send (0: forever)")
	interval := flag.Duration("interval", time.Second, "pause between messages")
	flag.Parse()

	// The example certificate is self-signed: skip verification here only.
	conn, err := tls.Dial("tcp", *addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	fmt.Printf("connected, %s\n", tls.VersionName(conn.ConnectionState().Version))

	payload := bytes.Repeat([]byte("a"), *size)
	for i := 0; *count == 0 || i < *count; i++ {
		if err := framing.WriteMessage(conn, framing.Default, 0, payload); err != nil {
			log.Fatalf("write: %v", err)
		}
		for {
			id, got, err := framing.ReadMessage(conn, framing.Default, 0)
			if err != nil {
				log.Fatalf("read: %v", err)
			}
			fmt.Printf("recv msgID[%d] len[%d] %s\n", id, len(got), time.Now().Format("15:04:05.0000"))
			if id == 1 && len(got) == *size {
				if !bytes.Equal(got, payload) {
					log.Fatal("reply differs from what was sent")
				}
				break
			}
		}
		fmt.Printf("message %d: %d bytes echoed intact\n", i+1, *size)
		if *count == 0 || i+1 < *count {
			time.Sleep(*interval)
		}
	}
}
