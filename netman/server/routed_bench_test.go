package server

import (
	"fmt"
	"io"
	"testing"

	"github.com/netman-go/netman/netman/iface"
)

// BenchmarkRoutedMessage measures netman's own work per routed message,
// without the socket: decoding from the loop's buffer, the hand-off through
// the dispatcher, the middleware chain and the route, and the reply packed
// by Send (to a transport that drops it). Allocations per message: the
// request with its message, and the copy of the payload the seed's API lets
// a handler keep.
func BenchmarkRoutedMessage(b *testing.B) {
	for _, inFlight := range []int{1, 4} {
		for _, onLoop := range []bool{true, false} {
			for _, pool := range []bool{false, true} {
				b.Run(fmt.Sprintf("inflight=%d/onLoop=%v/pool=%v", inFlight, onLoop, pool), func(b *testing.B) {
					opts := []Option{WithLogOutput(io.Discard)}
					if onLoop {
						opts = append(opts, WithHandlerOnLoop())
					}
					if pool {
						opts = append(opts, WithRequestPool())
					}
					s := New("127.0.0.1", 0, opts...)
					done := make(chan struct{}, 1)
					var handled int
					s.AddRouter(5, routerFunc(func(r iface.IRequest) {
						r.GetConnect().Send(r.GetMessage().ID(), r.GetMessage().Bytes())
						handled++
						if handled == b.N {
							done <- struct{}{}
						}
					}))
					s.rt.Freeze()
					defer s.disp.Close()
					p := tcpProtocol{s}
					c := s.newConn(discard{})
					var in []byte
					for i := 0; i < inFlight; i++ {
						in = append(in, pack(5, string(make([]byte, 512)))...)
					}
					b.SetBytes(int64(len(in) / inFlight))
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i += inFlight {
						chunk := in
						if rest := b.N - i; rest < inFlight {
							chunk = in[:rest*len(in)/inFlight]
						}
						if _, err := p.data(c, chunk); err != nil {
							b.Fatal(err)
						}
						s.disp.EndInput(c)
					}
					<-done
				})
			}
		}
	}
}
