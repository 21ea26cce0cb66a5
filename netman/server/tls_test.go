package server

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netman-go/netman/framing"
	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netpoll"
	"github.com/netman-go/netman/tlsconn"
)

// selfSigned makes a throwaway certificate for 127.0.0.1.
func selfSigned(t testing.TB, cn string) (tls.Certificate, []byte, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return pair, certPEM, keyPEM
}

func tlsConnect(t testing.TB, addr string, cfg *tls.Config) *tls.Conn {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(60 * time.Second))
	return c
}

func TestTLSConfigEcho(t *testing.T) {
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		pair, _, _ := selfSigned(t, "netman")
		s, _ := newTest(t, WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pair}}))
		s.AddRouter(0, echoRoute)
		c := tlsConnect(t, start(t, s), &tls.Config{InsecureSkipVerify: true, MinVersion: version, MaxVersion: version})
		for _, size := range []int{0, 1, 1000, 2 << 20} {
			payload := bytes.Repeat([]byte{byte(size)}, size)
			if err := framing.WriteMessage(c, framing.Default, 0, payload); err != nil {
				t.Fatal(err)
			}
			id, got, err := framing.ReadMessage(c, framing.Default, 0)
			if err != nil || id != 0 || !bytes.Equal(got, payload) {
				t.Fatalf("TLS %x size %d: id %d, %d bytes, %v", version, size, id, len(got), err)
			}
		}
		if v := c.ConnectionState().Version; v != version {
			t.Fatalf("negotiated %x, want %x", v, version)
		}
	}
}

// TestWithTlsFilesAndPrecedence: WithTls loads PEM files; with both
// options, WithTLSConfig's certificate is the one served.
func TestWithTlsFilesAndPrecedence(t *testing.T) {
	dir := t.TempDir()
	_, certPEM, keyPEM := selfSigned(t, "from-files")
	certFile, keyFile := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	os.WriteFile(certFile, certPEM, 0o600)
	os.WriteFile(keyFile, keyPEM, 0o600)

	s, _ := newTest(t, WithTls(certFile, keyFile))
	s.AddRouter(0, echoRoute)
	c := tlsConnect(t, start(t, s), &tls.Config{InsecureSkipVerify: true})
	if cn := c.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "from-files" {
		t.Fatalf("served %q", cn)
	}

	pair, _, _ := selfSigned(t, "from-config")
	both, _ := newTest(t, WithTls(certFile, keyFile), WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pair}}))
	c2 := tlsConnect(t, start(t, both), &tls.Config{InsecureSkipVerify: true})
	if cn := c2.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "from-config" {
		t.Fatalf("with both options served %q, want WithTLSConfig's", cn)
	}
}

func TestWithTlsBadPathIsAnError(t *testing.T) {
	s, logs := newTest(t, WithTls("/nonexistent/server.pem", "/nonexistent/server.key"))
	err := s.Start()
	if err == nil || !strings.Contains(err.Error(), "server.pem") {
		t.Fatalf("Start: %v", err)
	}
	if !strings.Contains(logs.String(), "invalid configuration") {
		t.Fatalf("no log line:\n%s", logs)
	}
}

// TestTLSGarbageDoesNotHurtOthers: a client that sends garbage instead of
// a ClientHello is dropped; a TLS client next to it is served.
func TestTLSGarbageDoesNotHurtOthers(t *testing.T) {
	pair, _, _ := selfSigned(t, "netman")
	s, logs := newTest(t, WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pair}}))
	s.AddRouter(0, echoRoute)
	addr := start(t, s)
	bad := connect(t, addr)
	bad.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	good := tlsConnect(t, addr, &tls.Config{InsecureSkipVerify: true})
	framing.WriteMessage(good, framing.Default, 0, []byte("fine"))
	if _, p, err := framing.ReadMessage(good, framing.Default, 0); err != nil || string(p) != "fine" {
		t.Fatalf("good conn: %q %v", p, err)
	}
	bad.expectClosed()
	waitFor(t, "the refusal logged", func() bool { return strings.Contains(logs.String(), tlsconn.ErrNotTLS.Error()) })
}

// WithTLSHandshakeTimeout reaches tlsconn: a client that connects and says
// nothing is closed at the configured deadline (the default is 10 s, past
// the 5 s this test waits), and the timeout is logged.
func TestTLSHandshakeTimeoutOption(t *testing.T) {
	pair, _, _ := selfSigned(t, "netman")
	s, logs := newTest(t, WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pair}}),
		WithTLSHandshakeTimeout(200*time.Millisecond))
	s.AddRouter(0, echoRoute)
	addr := start(t, s)
	silent := connect(t, addr)
	silent.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, silent); err != nil {
		t.Fatalf("the silent client was not closed at the handshake timeout: %v", err)
	}
	waitFor(t, "the timeout logged", func() bool {
		return strings.Contains(logs.String(), tlsconn.ErrHandshakeTimeout.Error())
	})
	good := tlsConnect(t, addr, &tls.Config{InsecureSkipVerify: true})
	framing.WriteMessage(good, framing.Default, 0, []byte("fine"))
	if _, p, err := framing.ReadMessage(good, framing.Default, 0); err != nil || string(p) != "fine" {
		t.Fatalf("good conn: %q %v", p, err)
	}
}

// A TLS client that never reads cannot make the server buffer without
// limit: Send fails with netpoll.ErrWriteQueueFull once the encrypted
// output reaches WithMaxPendingWrite (plus what the kernel holds), and other
// clients are served meanwhile.
func TestTLSClientThatNeverReads(t *testing.T) {
	pair, _, _ := selfSigned(t, "netman")
	sendErr := make(chan error, 1)
	var sent atomic.Int64
	s, _ := newTest(t, WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pair}}), WithMaxPendingWrite(256<<10))
	chunk := make([]byte, 64<<10)
	s.AddRouter(1, routerFunc(func(r iface.IRequest) {
		// Flood the client until the bound refuses a message; stop at
		// 256 MiB, which no bound here would allow.
		for sent.Load() < 256<<20 {
			if _, err := r.GetConnect().Send(2, chunk); err != nil {
				sendErr <- err
				return
			}
			sent.Add(int64(len(chunk)))
		}
		sendErr <- nil
	}))
	s.AddRouter(0, echoRoute)
	addr := start(t, s)
	cfg := &tls.Config{InsecureSkipVerify: true}
	sleeper := tlsConnect(t, addr, cfg)
	if err := framing.WriteMessage(sleeper, framing.Default, 1, []byte("flood me")); err != nil {
		t.Fatal(err)
	}
	if err := <-sendErr; !errors.Is(err, netpoll.ErrWriteQueueFull) {
		t.Fatalf("Send to a client that never reads: %v after %d bytes, want ErrWriteQueueFull", err, sent.Load())
	}
	t.Logf("Send refused after %d MiB accepted (kernel buffers plus the 256 KiB bound)", sent.Load()>>20)
	good := tlsConnect(t, addr, cfg)
	framing.WriteMessage(good, framing.Default, 0, []byte("still served"))
	if _, p, err := framing.ReadMessage(good, framing.Default, 0); err != nil || string(p) != "still served" {
		t.Fatalf("other client: %q %v", p, err)
	}
}

// WithMaxTLSHandshakes reaches tlsconn: with one handshake at a time (and so
// a queue of 16), 18 clients that send a ClientHello and stall leave one
// refused and logged; with the default (256 per CPU) none would be.
func TestMaxTLSHandshakesOption(t *testing.T) {
	pair, _, _ := selfSigned(t, "netman")
	s, logs := newTest(t, WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pair}}),
		WithMaxTLSHandshakes(1), WithTLSHandshakeTimeout(time.Minute))
	s.AddRouter(0, echoRoute)
	addr := start(t, s)
	hello := clientHello(t)
	for i := 0; i < 1+16+1; i++ {
		c := connect(t, addr)
		if _, err := c.Write(hello); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "a refusal logged", func() bool { return strings.Contains(logs.String(), tlsconn.ErrTooManyHandshakes.Error()) })
	if n := strings.Count(logs.String(), tlsconn.ErrTooManyHandshakes.Error()); n != 1 {
		t.Fatalf("%d refusals logged, want 1", n)
	}
}

// clientHello returns the first record a crypto/tls client sends.
func clientHello(t *testing.T) []byte {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go tls.Client(a, &tls.Config{InsecureSkipVerify: true}).Handshake()
	b.SetReadDeadline(time.Now().Add(10 * time.Second))
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(b, hdr); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, int(hdr[3])<<8|int(hdr[4]))
	if _, err := io.ReadFull(b, body); err != nil {
		t.Fatal(err)
	}
	return append(hdr, body...)
}
