package router_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/netman-go/netman/router"
)

type seqReq struct{ seq int }

// TestConcurrentDispatch runs many goroutines through middleware that uses Set/Get; every
// message must see only its own values. Run with -race.
func TestConcurrentDispatch(t *testing.T) {
	r := router.New[*seqReq]()
	must(t, r.Use(func(c *router.Context[*seqReq], next router.Next[*seqReq]) any {
		c.Set("seq", c.Request().seq)
		return next(c)
	}))
	g := r.Group(func(c *router.Context[*seqReq], next router.Next[*seqReq]) any {
		c.Set("double", c.Get("seq").(int)*2)
		return next(c)
	})
	for id := uint32(0); id < 8; id++ {
		must(t, g.Handle(id, func(c *router.Context[*seqReq]) any {
			return c.Get("double").(int) + int(c.ID())
		}))
	}
	must(t, r.Handle(1<<31, func(c *router.Context[*seqReq]) any { return c.Get("seq") }))

	const workers, perWorker = 8, 2000
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				seq := w*perWorker + i
				id := uint32(i % 9)
				want := any(seq*2 + int(id))
				if id == 8 {
					id, want = 1<<31, seq
				}
				res, err := r.Dispatch(id, &seqReq{seq})
				if err != nil || res != want {
					errc <- fmt.Errorf("seq %d id %d: got %v, %v; want %v", seq, id, res, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
}

// TestRegistrationRacesFreeze registers from several goroutines while others dispatch
// (which freezes the router). Every registration either succeeds before the freeze or
// fails with ErrFrozen, and every dispatch sees a consistent table. Run with -race.
func TestRegistrationRacesFreeze(t *testing.T) {
	r := router.New[*seqReq]()
	var wg sync.WaitGroup
	var mu sync.Mutex
	registered := map[uint32]bool{}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := r.Group()
			for i := range 200 {
				id := uint32(w*1000 + i)
				err := g.Handle(id, func(c *router.Context[*seqReq]) any { return c.ID() })
				switch {
				case err == nil:
					mu.Lock()
					registered[id] = true
					mu.Unlock()
				case !errors.Is(err, router.ErrFrozen):
					t.Errorf("Handle(%d): %v", id, err)
				}
				if err := r.Use(func(c *router.Context[*seqReq], n router.Next[*seqReq]) any { return n(c) }); err != nil && !errors.Is(err, router.ErrFrozen) {
					t.Errorf("Use: %v", err)
				}
			}
		}()
	}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				_, _ = r.Dispatch(uint32(i), &seqReq{})
			}
		}()
	}
	wg.Wait()
	r.Freeze()
	routes := r.Routes()
	if len(routes) != len(registered) {
		t.Fatalf("%d routes, %d successful registrations", len(routes), len(registered))
	}
	for _, id := range routes {
		if res, err := r.Dispatch(id, &seqReq{}); err != nil || res != id {
			t.Fatalf("id %d: %v %v", id, res, err)
		}
	}
}
