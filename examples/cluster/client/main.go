// Command client is a chat client of examples/cluster: it logs in to one
// node and prints every line of the room, from whichever node it came.
// Lines typed on stdin are said to the room ("/who" asks how many are in
// it); with -say it says that line every -every instead, for scripted runs.
//
//	go run ./examples/cluster/client -addr 127.0.0.1:7101 -name bob
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"time"

	"github.com/netman-go/netman/framing"
)

const (
	msgLogin = 1
	msgSay   = 2
	msgChat  = 3
	msgWho   = 4
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7100", "a node's address")
	name := flag.String("name", "guest", "your name in the room")
	say := flag.String("say", "", "say this line every -every instead of reading stdin")
	every := flag.Duration("every", time.Second, "interval of -say")
	flag.Parse()

	conn, err := net.Dial("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	send := func(id uint32, p string) {
		if err := framing.WriteMessage(conn, framing.Default, id, []byte(p)); err != nil {
			log.Fatalf("write: %v", err)
		}
	}
	send(msgLogin, *name)
	go func() {
		for {
			_, p, err := framing.ReadMessage(conn, framing.Default, 0)
			if err != nil {
				log.Fatalf("read: %v", err)
			}
			fmt.Println(string(p))
		}
	}()
	if *say != "" {
		for range time.Tick(*every) {
			send(msgSay, *say)
		}
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "/who" {
			send(msgWho, "")
			continue
		}
		send(msgSay, in.Text())
	}
}
