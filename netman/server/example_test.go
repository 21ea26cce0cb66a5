package server_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"time"

	"github.com/gorilla/websocket"
	"github.com/netman-go/netman/framing"
	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netman/server"
)

// echo answers every message with its own id and payload, prefixed.
type echo struct{}

func (echo) Do(req iface.IRequest) {
	m := req.GetMessage()
	req.GetConnect().Send(m.ID(), append([]byte("echo: "), m.Bytes()...))
}

// serve starts s in the background on the port Listen chose and returns
// its address and a function that stops it.
func serve(s *server.Server) (addr string, stop func()) {
	if err := s.Listen(); err != nil {
		log.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Start() }()
	return s.Addr().String(), func() {
		if err := s.Stop(); err != nil {
			log.Fatal(err)
		}
		if err := <-done; err != nil {
			log.Fatal(err)
		}
	}
}

// A TCP server that routes messages by id behind a middleware, and a client
// that sends one message and reads the answer in the default packet format
// (framing.Default, the seed's util.NewDataPacker()).
func ExampleNew() {
	s := server.New("127.0.0.1", 0, server.WithLogOutput(io.Discard))
	s.Use(func(ctx iface.IContext, next iface.Next) interface{} {
		fmt.Printf("middleware: message %d, %d bytes\n", ctx.GetMessage().ID(), ctx.GetMessage().Len())
		return next(ctx)
	})
	s.AddRouter(1, echo{})
	addr, stop := serve(s)
	defer stop()

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	if err := framing.WriteMessage(conn, framing.Default, 1, []byte("hello")); err != nil {
		log.Fatal(err)
	}
	id, payload, err := framing.ReadMessage(conn, framing.Default, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("client: message %d %q\n", id, payload)
	// Output:
	// middleware: message 1, 5 bytes
	// client: message 1 "echo: hello"
}

// A TLS server configured with a tls.Config (here with a throwaway
// self-signed certificate), and a crypto/tls client that trusts it.
func ExampleWithTLSConfig() {
	cert, pool := selfSigned()
	s := server.New("127.0.0.1", 0,
		server.WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{cert}}),
		server.WithLogOutput(io.Discard))
	s.AddRouter(1, echo{})
	addr, stop := serve(s)
	defer stop()

	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	if err := framing.WriteMessage(conn, framing.Default, 1, []byte("secret")); err != nil {
		log.Fatal(err)
	}
	id, payload, err := framing.ReadMessage(conn, framing.Default, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: message %d %q\n", tls.VersionName(conn.ConnectionState().Version), id, payload)
	// Output: TLS 1.3: message 1 "echo: secret"
}

// selfSigned returns a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		log.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// chat is a WebSocket handler that greets a connection by the name in its
// URL and answers each text message.
type chat struct{ closed chan struct{} }

func (h chat) Open(c iface.IConnect) {
	fmt.Println("open:", c.Query().Get("name"))
}

func (h chat) Message(req iface.IRequest) {
	req.GetConnect().Text(append([]byte("echo: "), req.GetMessage().Bytes()...))
}

func (h chat) Close(c iface.IConnect) { close(h.closed) }

// A WebSocket server and a gorilla/websocket client: the handler sees the
// connection open (with its query), a message, and the close the client
// started; the server answers the close frame with the client's code.
func ExampleWebsocket() {
	h := chat{closed: make(chan struct{})}
	addr, stop := serve(server.Websocket("127.0.0.1", 0, h, server.WithLogOutput(io.Discard)))
	defer stop()

	conn, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/chat?name=ann", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	if err := conn.WriteMessage(websocket.TextMessage, []byte("hi")); err != nil {
		log.Fatal(err)
	}
	_, reply, err := conn.ReadMessage()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("client: %s\n", reply)

	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye")
	if err := conn.WriteMessage(websocket.CloseMessage, bye); err != nil {
		log.Fatal(err)
	}
	_, _, err = conn.ReadMessage() // the server's answering close frame
	fmt.Println("client:", err)
	conn.Close()
	<-h.closed
	fmt.Println("closed")
	// Output:
	// open: ann
	// client: echo: hi
	// client: websocket: close 1000 (normal)
	// closed
}
