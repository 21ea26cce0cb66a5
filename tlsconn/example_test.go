package tlsconn_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"sync/atomic"
	"time"

	"github.com/netman-go/netman/netpoll"
	"github.com/netman-go/netman/tlsconn"
)

// selfSigned makes a throw-away certificate for 127.0.0.1; real servers
// load theirs with tls.LoadX509KeyPair.
func selfSigned(name string) tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// An echo server speaking TLS on a bare netpoll server: the tlsconn.Server
// is the netpoll.Handler, and the application's handler sees plaintext.
func ExampleNewServer() {
	app := tlsconn.HandlerFuncs{
		Data: func(c *tlsconn.Conn, data []byte) (int, error) {
			_, err := c.Write(data) // encrypted, queued, never blocks
			return len(data), err
		},
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{selfSigned("example")}}
	srv := netpoll.NewServer(tlsconn.NewServer(cfg, app, tlsconn.WithHandshakeTimeout(5*time.Second)))
	if err := srv.Listen("tcp", "127.0.0.1:0"); err != nil {
		panic(err)
	}
	go srv.Serve()
	defer srv.Shutdown(context.Background())

	c, err := tls.Dial("tcp", srv.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	c.Write([]byte("hello"))
	buf := make([]byte, 5)
	c.Read(buf)
	fmt.Printf("%s over %s\n", buf, tls.VersionName(c.ConnectionState().Version))
	// Output: hello over TLS 1.3
}

// Certificates can be replaced without a restart: GetCertificate is asked
// on every handshake, so storing a new certificate (after renewal, on
// SIGHUP, ...) serves it to the next clients. Established connections keep
// theirs.
func ExampleNewServer_certificateReload() {
	var current atomic.Pointer[tls.Certificate]
	first := selfSigned("first")
	current.Store(&first)
	cfg := &tls.Config{
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return current.Load(), nil
		},
	}
	srv := netpoll.NewServer(tlsconn.NewServer(cfg, tlsconn.HandlerFuncs{}))
	if err := srv.Listen("tcp", "127.0.0.1:0"); err != nil {
		panic(err)
	}
	go srv.Serve()
	defer srv.Shutdown(context.Background())

	served := func() string {
		c, err := tls.Dial("tcp", srv.Addr().String(), &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			panic(err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	fmt.Println(served())
	second := selfSigned("second") // e.g. tls.LoadX509KeyPair on the renewed files
	current.Store(&second)
	fmt.Println(served())
	// Output:
	// first
	// second
}
