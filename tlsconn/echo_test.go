package tlsconn

import (
	"bytes"
	"crypto/tls"
	"testing"
)

func TestEchoVersionsAndSuites(t *testing.T) {
	p := pkiOnce()
	tests := []struct {
		name    string
		cert    tls.Certificate
		version uint16
		suite   uint16 // TLS 1.2 only; TLS 1.3 suites are not configurable in crypto/tls
	}{
		{"1.2 ECDHE-ECDSA-AES128-GCM", p.ecdsa, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		{"1.2 ECDHE-ECDSA-AES256-GCM", p.ecdsa, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
		{"1.2 ECDHE-ECDSA-CHACHA20", p.ecdsa, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
		{"1.2 ECDHE-RSA-AES128-GCM", p.rsa, tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		{"1.2 ECDHE-RSA-AES256-GCM", p.rsa, tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
		{"1.2 ECDHE-RSA-CHACHA20", p.rsa, tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256},
		{"1.3 ECDSA", p.ecdsa, tls.VersionTLS13, 0},
		{"1.3 RSA", p.rsa, tls.VersionTLS13, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newEcho()
			ns, _ := startTLS(t, &tls.Config{Certificates: []tls.Certificate{tt.cert}}, h, []Option{WithErrorLog(func(err error) { t.Log(err) })})
			cfg := clientConfig()
			cfg.MinVersion, cfg.MaxVersion = tt.version, tt.version
			if tt.suite != 0 {
				cfg.CipherSuites = []uint16{tt.suite}
			}
			c := dialTLS(t, ns.Addr().String(), cfg)
			st := c.ConnectionState()
			if st.Version != tt.version || (tt.suite != 0 && st.CipherSuite != tt.suite) {
				t.Fatalf("negotiated %x/%x", st.Version, st.CipherSuite)
			}
			for i, n := range []int{0, 1, 100, 16384, 16385, 70000, 300000} {
				roundTrip(t, c, uint32(i), bytes.Repeat([]byte{byte(i + 1)}, n))
			}
			sc := <-h.opened
			if got := sc.ConnectionState(); got.Version != tt.version || got.CipherSuite != st.CipherSuite {
				t.Fatalf("server sees %x/%x, client %x/%x", got.Version, got.CipherSuite, st.Version, st.CipherSuite)
			}
		})
	}
}
