package ws_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/netman-go/netman/ws"
)

// echo is a Handler that sends every message back.
type echo struct{}

func (echo) OnOpen(c *ws.ServerConn, r ws.Request) {
	fmt.Println("open", r.Path, "room", r.Query().Get("room"))
}
func (echo) OnMessage(c *ws.ServerConn, op ws.OpCode, p []byte) { _ = c.WriteMessage(op, p) }
func (echo) OnClose(c *ws.ServerConn, code ws.StatusCode, reason string) {
	fmt.Printf("peer closed %d %q\n", code, reason)
}

const upgrade = "GET /chat?room=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

// The codec answers the upgrade, then echoes a masked text frame "hi" and the close handshake.
func Example() {
	var out bytes.Buffer // stands for the connection: a *netpoll.Conn, a net.Conn, ...
	c := ws.NewServer(echo{}).NewConn(ws.NopCloser(&out))

	n, err := c.Feed([]byte(upgrade))
	fmt.Println(n == len(upgrade), err)
	fmt.Println(strings.SplitN(out.String(), "\r\n", 2)[0])
	out.Reset()

	// A client frame: FIN+text, masked, length 2, mask key, masked "hi".
	mask := []byte{1, 2, 3, 4}
	frame := append([]byte{0x81, 0x80 | 2}, mask...)
	frame = append(frame, 'h'^mask[0], 'i'^mask[1])
	c.Feed(frame)
	fmt.Printf("% x\n", out.Bytes())
	out.Reset()

	// A close frame with code 1000 and reason "bye" (mask key zero, so the payload is plain).
	_, err = c.Feed([]byte{0x88, 0x85, 0, 0, 0, 0, 0x03, 0xe8, 'b', 'y', 'e'})
	fmt.Println(errors.Is(err, ws.ErrClosed), err)
	fmt.Printf("% x\n", out.Bytes())
	// Output:
	// open /chat room 1
	// true <nil>
	// HTTP/1.1 101 Switching Protocols
	// 81 02 68 69
	// peer closed 1000 "bye"
	// true ws: connection closed (1000 "bye")
	// 88 02 03 e8
}

// Feed consumes only what it can decode; the glue keeps the rest and passes it again first.
func ExampleServerConn_Feed() {
	var out bytes.Buffer
	c := ws.NewServer(echo{}).NewConn(ws.NopCloser(&out))
	c.Feed([]byte(upgrade))

	stream := []byte{0x81, 0x82, 0, 0, 0, 0, 'o', 'k'}
	n, err := c.Feed(stream[:1]) // half a header: nothing consumed
	fmt.Println(n, err)
	n, err = c.Feed(stream) // the kept byte again, plus the rest
	fmt.Println(n, err)
	// Output:
	// open /chat room 1
	// 0 <nil>
	// 8 <nil>
}

// A protocol violation is answered with a close frame and reported by Feed.
func ExampleCloseError() {
	var out bytes.Buffer
	c := ws.NewServer(echo{}).NewConn(ws.NopCloser(&out))
	c.Feed([]byte(upgrade))
	out.Reset()

	_, err := c.Feed([]byte{0x81, 0x02, 'n', 'o'}) // unmasked client frame
	var ce *ws.CloseError
	fmt.Println(errors.As(err, &ce), ce.Code, errors.Is(err, ws.ErrProtocol))
	fmt.Printf("% x\n", out.Bytes())
	// Output:
	// open /chat room 1
	// true 1002 true
	// 88 02 03 ea
}

// Close starts the closing handshake from the server; the peer's answer ends it.
func ExampleServerConn_Close() {
	var out bytes.Buffer
	c := ws.NewServer(echo{}).NewConn(ws.NopCloser(&out))
	c.Feed([]byte(upgrade))
	out.Reset()

	fmt.Println(c.Close(ws.StatusGoingAway, "restart"))
	fmt.Println(c.WriteText([]byte("too late")))
	_, err := c.Feed([]byte{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe9})
	fmt.Println(errors.Is(err, ws.ErrClosed))
	// Output:
	// open /chat room 1
	// <nil>
	// ws: connection closed
	// peer closed 1001 ""
	// true
}
