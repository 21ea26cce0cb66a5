package framing_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net"

	"github.com/netman-go/netman/framing"
)

func ExamplePack() {
	b, _ := framing.Pack(framing.Default, 1, []byte("hi"))
	fmt.Printf("% x\n", b)
	// Output: 02 00 00 00 01 00 00 00 68 69
}

func ExampleDecoder() {
	a, _ := framing.Pack(framing.Default, 1, []byte("hello"))
	b, _ := framing.Pack(framing.Default, 2, []byte("world"))
	stream := append(a, b...)

	d := framing.NewDecoder(framing.Default, framing.WithMaxBodyLength(1<<20))
	// Bytes arrive in arbitrary pieces; messages come out whole and in order.
	for _, read := range [][]byte{stream[:3], stream[3:15], stream[15:]} {
		err := d.Feed(read, func(id uint32, payload []byte) error {
			fmt.Printf("id=%d payload=%s\n", id, payload) // payload is only valid here
			return nil
		})
		if err != nil {
			fmt.Println(err)
		}
	}
	fmt.Println("buffered:", d.Buffered())
	// Output:
	// id=1 payload=hello
	// id=2 payload=world
	// buffered: 0
}

func ExampleWithOwnedPayloads() {
	stream, _ := framing.Pack(framing.Default, 7, []byte("keep me"))
	jobs := make(chan []byte, 1)
	d := framing.NewDecoder(nil, framing.WithOwnedPayloads())
	_ = d.Feed(stream, func(id uint32, payload []byte) error {
		jobs <- payload // safe: the payload belongs to the callee
		return nil
	})
	clear(stream) // the read buffer is reused...
	fmt.Printf("%s\n", <-jobs)
	// Output: keep me
}

func ExampleWithMaxBodyLength() {
	header, _ := framing.Default.AppendHeader(nil, 9, 64<<20) // declares 64 MiB
	d := framing.NewDecoder(nil, framing.WithMaxBodyLength(1<<20))
	err := d.Feed(header, func(uint32, []byte) error { return nil })
	fmt.Println(errors.Is(err, framing.ErrBodyTooLarge))
	fmt.Println(err)
	// Output:
	// true
	// framing: body too large: 67108864 bytes, limit 1048576
}

func ExampleReadMessage() {
	client, server := net.Pipe()
	defer client.Close()
	go func() {
		defer server.Close()
		id, payload, err := framing.ReadMessage(server, framing.Default, 1<<20)
		if err != nil {
			return
		}
		_ = framing.WriteMessage(server, framing.Default, id, append([]byte("echo: "), payload...))
	}()

	if err := framing.WriteMessage(client, framing.Default, 5, []byte("ping")); err != nil {
		fmt.Println(err)
		return
	}
	id, payload, err := framing.ReadMessage(client, framing.Default, 1<<20)
	fmt.Println(id, string(payload), err)
	// Output: 5 echo: ping <nil>
}

// ShortIDPacker is a user-defined header layout: a 2-byte big-endian message id, then a
// 4-byte big-endian body length. Three methods are all a Packer needs.
type ShortIDPacker struct{}

var errShortID = errors.New("shortid: id does not fit in 16 bits")

func (ShortIDPacker) HeaderLen() int { return 6 }

func (ShortIDPacker) AppendPack(dst []byte, id uint32, payload []byte) ([]byte, error) {
	if id > math.MaxUint16 {
		return dst, errShortID
	}
	if uint64(len(payload)) > math.MaxUint32 {
		return dst, framing.ErrBodyTooLarge
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(id))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	return append(dst, payload...), nil
}

func (ShortIDPacker) DecodeHeader(h []byte) (id uint32, bodyLen int, err error) {
	return uint32(binary.BigEndian.Uint16(h)), int(binary.BigEndian.Uint32(h[2:])), nil
}

func Example_customPacker() {
	var p framing.Packer = ShortIDPacker{}
	b, _ := framing.Pack(p, 0x0102, []byte("hey"))
	fmt.Printf("% x\n", b)

	d := framing.NewDecoder(p)
	_ = d.Feed(b, func(id uint32, payload []byte) error {
		fmt.Printf("%#x %s\n", id, payload)
		return nil
	})
	// Output:
	// 01 02 00 00 00 03 68 65 79
	// 0x102 hey
}
