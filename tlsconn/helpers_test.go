package tlsconn

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/netman-go/netman/framing"
	"github.com/netman-go/netman/netpoll"
)

// testPKI is a throw-away CA generated per test binary; no key is ever
// written to the repository.
type testPKI struct {
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	pool   *x509.CertPool
	caPEM  []byte
	ecdsa  tls.Certificate // localhost, 127.0.0.1
	rsa    tls.Certificate // localhost, 127.0.0.1
	client tls.Certificate // client auth, CN=netman-client
}

var pkiOnce = sync.OnceValue(func() *testPKI {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tlsconn test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
	if err != nil {
		panic(err)
	}
	ca, _ := x509.ParseCertificate(der)
	p := &testPKI{ca: ca, caKey: caKey, pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	p.ecdsa = p.issue("ecdsa", false, "localhost")
	p.rsa = p.issue("rsa", false, "localhost")
	p.client = p.issue("ecdsa", true, "netman-client")
	return p
})

var serial = struct {
	sync.Mutex
	n int64
}{n: 100}

// issue signs a leaf certificate for names with a new ECDSA P-256 or RSA
// 2048 key.
func (p *testPKI) issue(kind string, client bool, names ...string) tls.Certificate {
	var key any
	var pub any
	switch kind {
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		key, pub = k, &k.PublicKey
	default:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		key, pub = k, &k.PublicKey
	}
	serial.Lock()
	serial.n++
	sn := serial.n
	serial.Unlock()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(sn),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		DNSNames:     names,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	if client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, pub, p.caKey)
	if err != nil {
		panic(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// writeCA writes the CA certificate (public only) to a temporary file.
func (p *testPKI) writeCA(t testing.TB) string {
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, p.caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func serverConfig() *tls.Config {
	p := pkiOnce()
	return &tls.Config{Certificates: []tls.Certificate{p.ecdsa, p.rsa}}
}

func clientConfig() *tls.Config {
	return &tls.Config{RootCAs: pkiOnce().pool, ServerName: "localhost"}
}

// logSink collects the errors a Server logs.
type logSink struct {
	mu   sync.Mutex
	errs []error
}

func (l *logSink) log(err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}

func (l *logSink) count(target error) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.errs {
		if errors.Is(e, target) {
			n++
		}
	}
	return n
}

// echoHandler decodes framed messages and writes each one back.
type echoHandler struct {
	maxBody uint32
	opened  chan *Conn
	closed  chan error
}

func newEcho() *echoHandler {
	return &echoHandler{opened: make(chan *Conn, 4096), closed: make(chan error, 4096)}
}

func (h *echoHandler) OnOpen(c *Conn) {
	c.SetContext(framing.NewDecoder(framing.Default, framing.WithMaxBodyLength(h.maxBody)))
	select {
	case h.opened <- c:
	default:
	}
}

func (h *echoHandler) OnData(c *Conn, data []byte) (int, error) {
	dec := c.Context().(*framing.Decoder)
	err := dec.Feed(data, func(id uint32, payload []byte) error {
		hdr, err := framing.Default.AppendHeader(nil, id, len(payload))
		if err != nil {
			return err
		}
		_, err = c.Writev(hdr, payload)
		return err
	})
	return len(data), err
}

func (h *echoHandler) OnClose(c *Conn, reason error) {
	select {
	case h.closed <- reason:
	default:
	}
}

// startTLS serves tls on 127.0.0.1 with a netpoll server that stops when the
// test ends.
func startTLS(t testing.TB, cfg *tls.Config, h Handler, topts []Option, nopts ...netpoll.Option) (*netpoll.Server, *Server) {
	t.Helper()
	ts := NewServer(cfg, h, topts...)
	ns := netpoll.NewServer(ts, append([]netpoll.Option{netpoll.WithLoops(2)}, nopts...)...)
	if err := ns.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- ns.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ns.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, netpoll.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return ns, ts
}

// dialTLS connects a crypto/tls client; cfg nil means clientConfig().
func dialTLS(t testing.TB, addr string, cfg *tls.Config) *tls.Conn {
	t.Helper()
	if cfg == nil {
		cfg = clientConfig()
	}
	d := &net.Dialer{Timeout: 10 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(60 * time.Second))
	return c
}

// roundTrip writes one framed message and reads the echo.
func roundTrip(t testing.TB, c net.Conn, id uint32, payload []byte) {
	t.Helper()
	if err := framing.WriteMessage(c, framing.Default, id, payload); err != nil {
		t.Fatalf("write: %v", err)
	}
	gotID, got, err := framing.ReadMessage(c, framing.Default, 0)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if gotID != id || string(got) != string(payload) {
		t.Fatalf("echo of message %d (%d bytes) differs: id %d, %d bytes", id, len(payload), gotID, len(got))
	}
}

// waitFor polls cond until it holds or 20 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
