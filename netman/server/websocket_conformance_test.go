package server

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/ws/conformance"
)

// echoWS echoes every message with its type, as the conformance suite
// expects of the server.
type echoWS struct{}

func (echoWS) Open(iface.IConnect)  {}
func (echoWS) Close(iface.IConnect) {}
func (echoWS) Message(r iface.IRequest) {
	m, c := r.GetMessage(), r.GetConnect()
	if m.IsText() {
		c.Text(m.Bytes())
		return
	}
	c.Binary(m.Bytes())
}

// TestWebsocketConformance plays every case of the ws conformance suite
// (modelled on Autobahn) against server.Websocket over netpoll: handlers on
// the worker pool (the default, where replies and the close frame cross
// goroutines) and on the event loop, and over TLS (wss: the same codec fed
// by tlsconn, the case's chopped writes becoming records of those sizes).
// One server per configuration the cases need.
func TestWebsocketConformance(t *testing.T) {
	cases := conformance.Cases()
	pair, _, _ := selfSigned(t, "netman")
	for _, mode := range []struct {
		name string
		opts []Option
		tls  bool
	}{
		{"worker pool", nil, false},
		{"handler on loop", []Option{WithHandlerOnLoop()}, false},
		{"wss", []Option{WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pair}})}, true},
	} {
		t.Run(mode.name, func(t *testing.T) {
			addrs := map[conformance.Config]string{}
			for _, tc := range cases {
				addr, ok := addrs[tc.Config]
				if !ok {
					opts := append([]Option{WithLogOutput(&syncBuffer{}), WithMaxMessageSize(tc.Config.Limit())}, mode.opts...)
					if tc.Config.Deflate {
						threshold := tc.Config.DeflateThreshold
						opts = append(opts, WithCompression(), func(o *options) { o.wsDeflateThreshold = threshold })
					}
					addr = start(t, Websocket("127.0.0.1", 0, echoWS{}, opts...))
					addrs[tc.Config] = addr
				}
				run := tc.Run
				if mode.tls {
					run = func(addr string) error {
						c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr,
							&tls.Config{InsecureSkipVerify: true})
						if err != nil {
							return err
						}
						return tc.RunConn(c)
					}
				}
				if err := run(addr); err != nil {
					t.Errorf("case %s (%s): %v", tc.ID, tc.Desc, err)
				}
			}
			t.Logf("%d cases against %d servers", len(cases), len(addrs))
		})
	}
}
