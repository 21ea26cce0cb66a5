package server

import (
	"testing"

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
// goroutines) and on the event loop. One server per configuration the
// cases need.
func TestWebsocketConformance(t *testing.T) {
	cases := conformance.Cases()
	for _, mode := range []struct {
		name string
		opts []Option
	}{
		{"worker pool", nil},
		{"handler on loop", []Option{WithHandlerOnLoop()}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			addrs := map[conformance.Config]string{}
			for _, tc := range cases {
				addr, ok := addrs[tc.Config]
				if !ok {
					opts := append([]Option{WithLogOutput(&syncBuffer{}), WithMaxMessageSize(int(tc.Config.Limit()))}, mode.opts...)
					if tc.Config.Deflate {
						threshold := tc.Config.DeflateThreshold
						opts = append(opts, WithCompression(), func(o *options) { o.wsDeflateThreshold = threshold })
					}
					addr = start(t, Websocket("127.0.0.1", 0, echoWS{}, opts...))
					addrs[tc.Config] = addr
				}
				if err := tc.Run(addr); err != nil {
					t.Errorf("case %s (%s): %v", tc.ID, tc.Desc, err)
				}
			}
			t.Logf("%d cases against %d servers", len(cases), len(addrs))
		})
	}
}
