// Command framing is a user of the framing module alone: it packs two
// messages and decodes them from a byte stream. .ci/modcheck builds and runs
// it outside the workspace against the packed modules.
package main

import (
	"bytes"
	"log"

	"github.com/netman-go/netman/framing"
)

func main() {
	var stream bytes.Buffer
	for id, p := range []string{"hello", "world"} {
		if err := framing.WriteMessage(&stream, framing.Default, uint32(id), []byte(p)); err != nil {
			log.Fatal(err)
		}
	}
	var got []string
	d := framing.NewDecoder(framing.Default)
	if err := d.Feed(stream.Bytes(), func(id uint32, payload []byte) error {
		got = append(got, string(payload))
		return nil
	}); err != nil || len(got) != 2 || got[0] != "hello" || got[1] != "world" {
		log.Fatalf("decoded %q, %v", got, err)
	}
	log.Printf("framing round trip ok")
}
