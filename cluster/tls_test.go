package cluster_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/netman-go/netman/cluster"
	netman "github.com/netman-go/netman/netman/server"
)

// selfSigned returns a throwaway certificate for 127.0.0.1.
func selfSigned(t testing.TB) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "netman-cluster-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestTLSAndWSS: a TLS server and a wss server of one node, in one
// cluster: one user bound on both gets its messages on both, and a room's
// text messages reach the wss client as text.
func TestTLSAndWSS(t *testing.T) {
	cfg := &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	so := []netman.Option{netman.WithLogOutput(io.Discard), netman.WithNumEventLoop(1), netman.WithTLSConfig(cfg)}
	n := &node{name: "tls"}
	n.tcp = netman.New("127.0.0.1", 0, so...)
	for _, id := range []uint32{msgLogin, msgJoin, msgLeave} {
		n.tcp.AddRouter(id, route{handler{n}, id})
	}
	n.ws = netman.Websocket("127.0.0.1", 0, handler{n}, so...)
	c, err := cluster.New(n.tcp, cluster.WithServers(n.ws), cluster.WithLogger(testLogger(t, "tls")))
	if err != nil {
		t.Fatal(err)
	}
	n.c = c
	serve(t, n.tcp)
	serve(t, n.ws)
	t.Cleanup(func() { c.Close() })

	clientCfg := &tls.Config{InsecureSkipVerify: true}
	tc, err := tls.Dial("tcp", n.addr(), clientCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	tc.SetDeadline(time.Now().Add(60 * time.Second))
	tlsClient := &client{t: t, Conn: tc, name: "eve@tls"}
	d := websocket.Dialer{TLSClientConfig: clientCfg, HandshakeTimeout: 10 * time.Second}
	wc, _, err := d.Dial("wss://"+n.wsAddr()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wc.Close() })
	wc.SetReadDeadline(time.Now().Add(60 * time.Second))
	wssClient := &wsClient{t: t, c: wc, name: "eve@wss"}

	tlsClient.do(msgLogin, "eve")
	tlsClient.do(msgJoin, "den")
	wssClient.do("login", "eve")
	wssClient.do("join", "den")

	big := make([]byte, 200<<10) // over the TLS record size and the socket buffer
	if err := c.SendToUser("eve", msgData, big); err != nil {
		t.Fatal(err)
	}
	if id, p := tlsClient.recv(); id != msgData || len(p) != len(big) {
		t.Fatalf("TLS: id %d, %d bytes", id, len(p))
	}
	if typ, p, err := wc.ReadMessage(); err != nil || typ != websocket.BinaryMessage || len(p) != len(big) {
		t.Fatalf("wss: type %d, %d bytes, %v", typ, len(p), err)
	}
	sendSeq(t, "den", 20, func(p []byte) error { return c.PublishText("den", msgData, p) })
	expectSeq(t, tlsClient, "den", 20, false)
	expectSeq(t, wssClient, "den", 20, true)
	if p := presence(t, n, "eve"); p.Connections != 2 {
		t.Fatalf("eve: %+v, want 2 connections (TLS and wss)", p)
	}
}
