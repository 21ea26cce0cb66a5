package router_test

import (
	"encoding/binary"
	"testing"

	"github.com/netman-go/netman/router"
)

type benchReq struct{ n int }

var sink any

// BenchmarkBareCall is the baseline: calling the handler function directly.
func BenchmarkBareCall(b *testing.B) {
	h := router.Handler[*benchReq](func(c *router.Context[*benchReq]) any { c.Request().n++; return nil })
	req := &benchReq{}
	var c router.Context[*benchReq]
	b.ReportAllocs()
	for b.Loop() {
		c.Reset(1, req)
		sink = h(&c)
	}
}

func benchRouter(b *testing.B, ids []uint32, mws int, useValues bool) {
	r := router.New[*benchReq]()
	for range mws {
		_ = r.Use(func(c *router.Context[*benchReq], next router.Next[*benchReq]) any {
			if useValues {
				c.Set("k", 1)
			}
			return next(c)
		})
	}
	for _, id := range ids {
		_ = r.Handle(id, func(c *router.Context[*benchReq]) any { c.Request().n++; return nil })
	}
	r.Freeze()
	req := &benchReq{}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		res, err := r.Dispatch(ids[i%len(ids)], req)
		if err != nil {
			b.Fatal(err)
		}
		sink = res
		i++
	}
}

func BenchmarkDispatch(b *testing.B) {
	small := []uint32{0, 1, 2, 3, 4, 5, 6, 7}
	large := []uint32{1 << 20, 1<<20 + 1, 1 << 24, 1 << 30, 7777, 99999, 123456, 4000000000}
	b.Run("small-ids", func(b *testing.B) { benchRouter(b, small, 0, false) })
	b.Run("large-ids", func(b *testing.B) { benchRouter(b, large, 0, false) })
	b.Run("2-middleware", func(b *testing.B) { benchRouter(b, small, 2, false) })
	b.Run("2-middleware-set", func(b *testing.B) { benchRouter(b, small, 2, true) })
}

func BenchmarkDispatchContext(b *testing.B) {
	r := router.New[*benchReq]()
	_ = r.Handle(1, func(c *router.Context[*benchReq]) any { c.Request().n++; return nil })
	req := &benchReq{}
	var c router.Context[*benchReq]
	b.ReportAllocs()
	for b.Loop() {
		c.Reset(1, req)
		sink, _ = r.DispatchContext(&c)
	}
}

func BenchmarkDispatchParallel(b *testing.B) {
	r := router.New[*benchReq]()
	_ = r.Handle(1, func(c *router.Context[*benchReq]) any { return nil })
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := &benchReq{}
		for pb.Next() {
			_, _ = r.Dispatch(1, req)
		}
	})
}

// BenchmarkSeedAdapter measures the seed-style adapter of Example_seedAdapter: two seed
// middleware in front of a handler, with a caller-managed context.
func BenchmarkSeedAdapter(b *testing.B) {
	r := router.New[*message]()
	for range 2 {
		_ = r.Use(adapt(func(ctx IContext, next SeedNext) interface{} { return next(ctx) }))
	}
	_ = r.Handle(0, func(c *router.Context[*message]) any { return nil })
	m := &message{body: "x"}
	b.ReportAllocs()
	for b.Loop() {
		m.rc.Reset(0, m)
		sink, _ = r.DispatchContext(&m.rc)
	}
}

// echoReq is an in-memory echo: the message read, and where the reply goes.
type echoReq struct {
	payload []byte
	out     []byte
}

func echo(q *echoReq, id uint32) {
	q.out = binary.LittleEndian.AppendUint32(q.out[:0], uint32(len(q.payload)))
	q.out = binary.LittleEndian.AppendUint32(q.out, id)
	q.out = append(q.out, q.payload...)
}

// BenchmarkEcho compares an echo handler called directly with the same handler behind the
// router. With no socket in the loop this is the worst case for the router's share; the
// end-to-end ratio over TCP belongs to the benchmarks module.
func BenchmarkEcho(b *testing.B) {
	in := make([]byte, 8+64)
	binary.LittleEndian.PutUint32(in, 64)
	binary.LittleEndian.PutUint32(in[4:], 1)
	q := &echoReq{out: make([]byte, 0, 128)}
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			id := binary.LittleEndian.Uint32(in[4:])
			q.payload = in[8 : 8+binary.LittleEndian.Uint32(in)]
			echo(q, id)
		}
	})
	b.Run("routed", func(b *testing.B) {
		r := router.New[*echoReq]()
		for id := uint32(0); id < 16; id++ {
			_ = r.Handle(id, func(c *router.Context[*echoReq]) any { echo(c.Request(), c.ID()); return nil })
		}
		b.ReportAllocs()
		for b.Loop() {
			id := binary.LittleEndian.Uint32(in[4:])
			q.payload = in[8 : 8+binary.LittleEndian.Uint32(in)]
			if _, err := r.Dispatch(id, q); err != nil {
				b.Fatal(err)
			}
		}
	})
}
