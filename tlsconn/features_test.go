package tlsconn

import (
	"crypto/tls"
	"errors"
	"sync/atomic"
	"testing"
)

func TestALPN(t *testing.T) {
	tests := []struct {
		name   string
		server []string
		client []string
		want   string
	}{
		{"common protocol", []string{"h2", "netman/1"}, []string{"netman/1", "http/1.1"}, "netman/1"},
		{"client without ALPN", []string{"netman/1"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := serverConfig()
			cfg.NextProtos = tt.server
			h := newEcho()
			ns, _ := startTLS(t, cfg, h, nil)
			ccfg := clientConfig()
			ccfg.NextProtos = tt.client
			c := dialTLS(t, ns.Addr().String(), ccfg)
			roundTrip(t, c, 1, []byte("alpn"))
			if got := c.ConnectionState().NegotiatedProtocol; got != tt.want {
				t.Fatalf("client negotiated %q", got)
			}
			if got := (<-h.opened).ConnectionState().NegotiatedProtocol; got != tt.want {
				t.Fatalf("server negotiated %q", got)
			}
		})
	}
	t.Run("no common protocol", func(t *testing.T) {
		cfg := serverConfig()
		cfg.NextProtos = []string{"netman/1"}
		logs := &logSink{}
		ns, _ := startTLS(t, cfg, newEcho(), []Option{WithErrorLog(logs.log)})
		ccfg := clientConfig()
		ccfg.NextProtos = []string{"other/1"}
		if c, err := tls.Dial("tcp", ns.Addr().String(), ccfg); err == nil {
			c.Close()
			t.Fatal("handshake succeeded")
		}
		waitFor(t, "the failure logged", func() bool { return logs.count(ErrHandshake) == 1 })
	})
}

func TestSNIPicksCertificate(t *testing.T) {
	p := pkiOnce()
	certs := map[string]*tls.Certificate{}
	for _, name := range []string{"a.example", "b.example"} {
		c := p.issue("ecdsa", false, name)
		certs[name] = &c
	}
	var asked atomic.Int32
	cfg := &tls.Config{GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		asked.Add(1)
		if hello.Conn == nil || hello.Conn.RemoteAddr() == nil {
			return nil, errors.New("no connection in ClientHelloInfo")
		}
		if c, ok := certs[hello.ServerName]; ok {
			return c, nil
		}
		return nil, errors.New("unknown server name")
	}}
	h := newEcho()
	ns, _ := startTLS(t, cfg, h, []Option{WithErrorLog(func(error) {})})
	for _, name := range []string{"a.example", "b.example"} {
		ccfg := clientConfig()
		ccfg.ServerName = name
		c := dialTLS(t, ns.Addr().String(), ccfg)
		roundTrip(t, c, 1, []byte(name))
		if got := c.ConnectionState().PeerCertificates[0].Subject.CommonName; got != name {
			t.Fatalf("asked for %s, got a certificate for %s", name, got)
		}
		if got := (<-h.opened).ConnectionState().ServerName; got != name {
			t.Fatalf("server saw name %q", got)
		}
	}
	ccfg := clientConfig()
	ccfg.ServerName = "c.example"
	if c, err := tls.Dial("tcp", ns.Addr().String(), ccfg); err == nil {
		c.Close()
		t.Fatal("handshake for an unknown name succeeded")
	}
	if asked.Load() != 3 {
		t.Fatalf("GetCertificate called %d times", asked.Load())
	}
}

func TestClientCertificates(t *testing.T) {
	p := pkiOnce()
	cfg := serverConfig()
	cfg.ClientAuth = tls.RequireAndVerifyClientCert
	cfg.ClientCAs = p.pool
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			logs := &logSink{}
			h := newEcho()
			ns, _ := startTLS(t, cfg, h, []Option{WithErrorLog(logs.log)})
			ccfg := clientConfig()
			ccfg.MaxVersion = v
			ccfg.Certificates = []tls.Certificate{p.client}
			c := dialTLS(t, ns.Addr().String(), ccfg)
			roundTrip(t, c, 1, []byte("with a certificate"))
			peers := (<-h.opened).ConnectionState().PeerCertificates
			if len(peers) != 1 || peers[0].Subject.CommonName != "netman-client" {
				t.Fatalf("server saw peer certificates %v", peers)
			}

			// Without a certificate the handshake fails on the server.
			ccfg = clientConfig()
			ccfg.MaxVersion = v
			c2, err := tls.Dial("tcp", ns.Addr().String(), ccfg)
			if err == nil {
				// TLS 1.3 clients learn of the refusal on their first read.
				c2.Write([]byte{0})
				_, err = c2.Read(make([]byte, 1))
				c2.Close()
			}
			if err == nil {
				t.Fatal("connection without a client certificate was served")
			}
			waitFor(t, "the failure logged", func() bool { return logs.count(ErrHandshake) == 1 })
		})
	}
}

// TestCertificateReload swaps the served certificate without a restart, as
// the GetCertificate example documents.
func TestCertificateReload(t *testing.T) {
	p := pkiOnce()
	var current atomic.Pointer[tls.Certificate]
	first := p.issue("ecdsa", false, "localhost")
	current.Store(&first)
	cfg := &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		return current.Load(), nil
	}}
	ns, _ := startTLS(t, cfg, newEcho(), nil)
	serial := func() string {
		c := dialTLS(t, ns.Addr().String(), nil)
		roundTrip(t, c, 1, []byte("which certificate?"))
		return c.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	if got := serial(); got != first.Leaf.SerialNumber.String() {
		t.Fatalf("served serial %s", got)
	}
	second := p.issue("rsa", false, "localhost")
	current.Store(&second)
	if got := serial(); got != second.Leaf.SerialNumber.String() {
		t.Fatalf("served serial %s after the reload", got)
	}
}

func TestSessionResumption(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			h := newEcho()
			ns, _ := startTLS(t, serverConfig(), h, nil)
			ccfg := clientConfig()
			ccfg.MaxVersion = v
			ccfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			for i, want := range []bool{false, true} {
				c := dialTLS(t, ns.Addr().String(), ccfg)
				// TLS 1.3 tickets arrive after the handshake: read an echo.
				roundTrip(t, c, uint32(i), []byte("resume?"))
				c.Close()
				if got := c.ConnectionState().DidResume; got != want {
					t.Fatalf("connection %d: resumed %v", i, got)
				}
				if got := (<-h.opened).ConnectionState().DidResume; got != want {
					t.Fatalf("connection %d: server says resumed %v", i, got)
				}
			}
		})
	}
}
