package router_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/netman-go/netman/router"
)

type req struct{ trace *[]string }

type ctx = router.Context[*req]

func tracer(name string) router.Middleware[*req] {
	return func(c *ctx, next router.Next[*req]) any {
		*c.Request().trace = append(*c.Request().trace, name+">")
		res := next(c)
		*c.Request().trace = append(*c.Request().trace, "<"+name)
		return res
	}
}

func traceHandler(name string) router.Handler[*req] {
	return func(c *ctx) any {
		*c.Request().trace = append(*c.Request().trace, name)
		return name
	}
}

func dispatch(t *testing.T, r *router.Router[*req], id uint32) (string, any, error) {
	t.Helper()
	var trace []string
	res, err := r.Dispatch(id, &req{&trace})
	return strings.Join(trace, " "), res, err
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMiddlewareOrder(t *testing.T) {
	r := router.New[*req]()
	must(t, r.Use(tracer("A")))
	must(t, r.Handle(1, traceHandler("h1")))
	g := r.Group(tracer("G"))
	must(t, g.Handle(2, traceHandler("h2")))
	sub := g.Group(tracer("S"))
	must(t, sub.Handle(3, traceHandler("h3")))
	// Registered after the routes: still applies to all of them, in Use order.
	must(t, r.Use(tracer("B")))
	must(t, g.Use(tracer("G2")))

	tests := []struct {
		id   uint32
		want string
	}{
		{1, "A> B> h1 <B <A"},
		{2, "A> B> G> G2> h2 <G2 <G <B <A"},
		{3, "A> B> G> G2> S> h3 <S <G2 <G <B <A"},
	}
	for _, tt := range tests {
		trace, res, err := dispatch(t, r, tt.id)
		if err != nil || trace != tt.want {
			t.Errorf("id %d: trace %q err %v, want %q", tt.id, trace, err, tt.want)
		}
		if res != fmt.Sprintf("h%d", tt.id) {
			t.Errorf("id %d: result %v, want the handler's", tt.id, res)
		}
	}
}

func TestMiddlewareReplacesResult(t *testing.T) {
	r := router.New[*req]()
	must(t, r.Use(func(c *ctx, next router.Next[*req]) any {
		return fmt.Sprintf("wrapped(%v)", next(c))
	}))
	must(t, r.Handle(1, traceHandler("h")))
	if _, res, _ := dispatch(t, r, 1); res != "wrapped(h)" {
		t.Fatalf("result %v, want wrapped(h)", res)
	}
}

func TestGroupMiddlewareStopsChain(t *testing.T) {
	r := router.New[*req]()
	must(t, r.Use(tracer("global")))
	auth := func(c *ctx, next router.Next[*req]) any {
		*c.Request().trace = append(*c.Request().trace, "denied")
		return "denied" // next not called
	}
	g := r.Group(auth, tracer("never"))
	must(t, g.Handle(1, traceHandler("handler")))
	must(t, r.Handle(2, traceHandler("open")))

	trace, res, err := dispatch(t, r, 1)
	if err != nil || res != "denied" || trace != "global> denied <global" {
		t.Fatalf("trace %q result %v err %v; want the chain stopped at auth", trace, res, err)
	}
	if trace, _, _ := dispatch(t, r, 2); trace != "global> open <global" {
		t.Fatalf("route outside the group: trace %q", trace)
	}
}

func TestNextTwiceRunsRestAgain(t *testing.T) {
	r := router.New[*req]()
	must(t, r.Use(func(c *ctx, next router.Next[*req]) any {
		next(c)
		return next(c)
	}))
	must(t, r.Use(tracer("B")))
	must(t, r.Handle(1, traceHandler("h")))
	if trace, _, _ := dispatch(t, r, 1); trace != "B> h <B B> h <B" {
		t.Fatalf("trace %q", trace)
	}
}

func TestNextFromHandlerIsNoop(t *testing.T) {
	r := router.New[*req]()
	must(t, r.Use(tracer("A")))
	must(t, r.Handle(1, func(c *ctx) any { return c.Next() }))
	if trace, res, err := dispatch(t, r, 1); trace != "A> <A" || res != nil || err != nil {
		t.Fatalf("trace %q res %v err %v", trace, res, err)
	}
}

func TestContextValues(t *testing.T) {
	r := router.New[*req]()
	must(t, r.Use(func(c *ctx, next router.Next[*req]) any {
		if v := c.Get("user"); v != nil {
			t.Errorf("value %v leaked from a previous message", v)
		}
		c.Set("user", "ann")
		c.Set("n", 1)
		return next(c)
	}))
	g := r.Group(func(c *ctx, next router.Next[*req]) any {
		c.Set("n", c.Get("n").(int)+1) // overwrite
		return next(c)
	})
	must(t, g.Handle(7, func(c *ctx) any {
		_, missing := c.Lookup("absent")
		return fmt.Sprintf("%d %v %v %v", c.ID(), c.Get("user"), c.Get("n"), missing)
	}))
	for range 3 { // pooled contexts must come back empty
		if _, res, err := dispatch(t, r, 7); err != nil || res != "7 ann 2 false" {
			t.Fatalf("result %v err %v", res, err)
		}
	}
}

func TestNotFound(t *testing.T) {
	r := router.New[*req]()
	must(t, r.Handle(1, traceHandler("h")))
	for i := range 3 {
		if _, res, err := dispatch(t, r, 99); !errors.Is(err, router.ErrNoRoute) || res != nil {
			t.Fatalf("res %v err %v, want ErrNoRoute", res, err)
		}
		if n := r.Unrouted(); n != uint64(i+1) {
			t.Fatalf("Unrouted = %d, want %d", n, i+1)
		}
	}

	var missed []uint32
	r = router.New(router.WithNotFound(func(c *ctx) any {
		missed = append(missed, c.ID())
		*c.Request().trace = append(*c.Request().trace, "notfound")
		return "nf"
	}))
	must(t, r.Use(tracer("global")))
	must(t, r.Group(tracer("group")).Handle(1, traceHandler("h")))
	trace, res, err := dispatch(t, r, 42)
	if !errors.Is(err, router.ErrNoRoute) || res != "nf" || trace != "global> notfound <global" {
		t.Fatalf("trace %q res %v err %v; want the not-found handler behind global middleware only", trace, res, err)
	}
	if !slices.Equal(missed, []uint32{42}) || r.Unrouted() != 1 {
		t.Fatalf("missed %v, Unrouted %d", missed, r.Unrouted())
	}
	if _, _, err := dispatch(t, r, 1); err != nil || r.Unrouted() != 1 {
		t.Fatalf("routed message: err %v, Unrouted %d", err, r.Unrouted())
	}
}

func TestFrozenRefusesRegistration(t *testing.T) {
	mw := tracer("x")
	h := traceHandler("h")
	tests := []struct {
		name   string
		freeze func(r *router.Router[*req])
	}{
		{"Freeze", func(r *router.Router[*req]) { r.Freeze() }},
		{"first Dispatch", func(r *router.Router[*req]) { _, _ = r.Dispatch(5, &req{new([]string)}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := router.New[*req]()
			g := r.Group(mw)
			must(t, g.Handle(1, h))
			if r.Frozen() {
				t.Fatal("frozen before freezing")
			}
			tt.freeze(r)
			r.Freeze() // idempotent
			if !r.Frozen() {
				t.Fatal("not frozen")
			}
			for name, err := range map[string]error{
				"Use":             r.Use(mw),
				"Handle":          r.Handle(2, h),
				"Group.Use":       g.Use(mw),
				"Group.Handle":    g.Handle(3, h),
				"new Group":       r.Group(mw).Handle(4, h),
				"Handle dup id":   r.Handle(1, h),
				"Freeze again ok": func() error { r.Freeze(); return router.ErrFrozen }(),
			} {
				if !errors.Is(err, router.ErrFrozen) {
					t.Errorf("%s after freeze: err %v, want ErrFrozen", name, err)
				}
			}
			if trace, _, err := dispatch(t, r, 1); err != nil || trace != "x> h <x" {
				t.Fatalf("existing route after freeze: trace %q err %v", trace, err)
			}
			if ids := r.Routes(); !slices.Equal(ids, []uint32{1}) {
				t.Fatalf("Routes = %v, want [1]", ids)
			}
		})
	}
}

func TestRegistrationErrors(t *testing.T) {
	r := router.New[*req]()
	h := traceHandler("h")
	must(t, r.Handle(1, h))
	if err := r.Handle(1, h); !errors.Is(err, router.ErrDuplicateRoute) {
		t.Errorf("duplicate id: %v", err)
	}
	if err := r.Group().Handle(1, h); !errors.Is(err, router.ErrDuplicateRoute) {
		t.Errorf("duplicate id in a group: %v", err)
	}
	if err := r.Handle(2, nil); !errors.Is(err, router.ErrNilHandler) {
		t.Errorf("nil handler: %v", err)
	}
	if err := r.Use(tracer("a"), nil); !errors.Is(err, router.ErrNilMiddleware) {
		t.Errorf("nil middleware in Use: %v", err)
	}
	if err := r.Group(nil).Handle(3, h); !errors.Is(err, router.ErrNilMiddleware) {
		t.Errorf("nil middleware in Group: %v", err)
	}
	if trace, _, err := dispatch(t, r, 1); err != nil || trace != "h" {
		t.Fatalf("refused registrations changed the router: trace %q err %v", trace, err)
	}
}

func TestIDsDenseAndSparse(t *testing.T) {
	r := router.New[*req]()
	ids := []uint32{0, 1, 1023, 1024, 65535, 1 << 20, math.MaxUint32}
	for _, id := range ids {
		must(t, r.Handle(id, func(c *ctx) any { return c.ID() }))
	}
	if got := r.Routes(); !slices.Equal(got, ids) {
		t.Fatalf("Routes = %v, want %v", got, ids)
	}
	for _, id := range ids {
		if res, err := r.Dispatch(id, nil); err != nil || res != id {
			t.Errorf("id %d: res %v err %v", id, res, err)
		}
	}
	for _, id := range []uint32{2, 1022, 1025, 65534, math.MaxUint32 - 1} {
		if _, err := r.Dispatch(id, nil); !errors.Is(err, router.ErrNoRoute) {
			t.Errorf("unregistered id %d: err %v, want ErrNoRoute", id, err)
		}
	}
}

func TestEmptyRouter(t *testing.T) {
	r := router.New[*req]()
	if _, err := r.Dispatch(0, nil); !errors.Is(err, router.ErrNoRoute) || r.Unrouted() != 1 {
		t.Fatalf("err %v, Unrouted %d", err, r.Unrouted())
	}
	if len(r.Routes()) != 0 {
		t.Fatal("routes in an empty router")
	}
}

func TestDispatchContext(t *testing.T) {
	r := router.New[*req]()
	must(t, r.Use(func(c *ctx, next router.Next[*req]) any { c.Set("seen", true); return next(c) }))
	must(t, r.Handle(3, func(c *ctx) any { return c.ID() }))
	var c ctx
	c.Set("stale", 1)
	c.Reset(3, nil)
	if res, err := r.DispatchContext(&c); err != nil || res != uint32(3) {
		t.Fatalf("res %v err %v", res, err)
	}
	if c.Get("seen") != true || c.Get("stale") != nil {
		t.Fatalf("values after DispatchContext: seen=%v stale=%v", c.Get("seen"), c.Get("stale"))
	}
	c.Reset(4, nil)
	if _, err := r.DispatchContext(&c); !errors.Is(err, router.ErrNoRoute) {
		t.Fatalf("err %v, want ErrNoRoute", err)
	}
}

func TestPanicPropagatesAndRouterSurvives(t *testing.T) {
	r := router.New[*req]()
	must(t, r.Use(tracer("A")))
	must(t, r.Handle(1, func(*ctx) any { panic("boom") }))
	must(t, r.Handle(2, traceHandler("ok")))
	func() {
		defer func() {
			if recover() != "boom" {
				t.Fatal("panic did not propagate")
			}
		}()
		_, _, _ = dispatch(t, r, 1)
	}()
	if trace, _, err := dispatch(t, r, 2); err != nil || trace != "A> ok <A" {
		t.Fatalf("after a panic: trace %q err %v", trace, err)
	}
}

func TestDispatchAllocs(t *testing.T) {
	r := router.New[*req]()
	must(t, r.Handle(1, func(*ctx) any { return nil }))
	g := r.Group(func(c *ctx, next router.Next[*req]) any { return next(c) })
	must(t, g.Handle(2, func(*ctx) any { return nil }))
	must(t, r.Handle(1<<30, func(*ctx) any { return nil }))
	rq := &req{}
	for _, id := range []uint32{1, 2, 1 << 30} {
		if a := testing.AllocsPerRun(1000, func() { _, _ = r.Dispatch(id, rq) }); a != 0 {
			t.Errorf("id %d: Dispatch allocates %v times", id, a)
		}
	}
}
