package router_test

import (
	"errors"
	"fmt"

	"github.com/netman-go/netman/router"
)

// Request is what a server hands the router for each decoded message.
type Request struct {
	User    string
	Payload string
}

func Example() {
	r := router.New[*Request]()

	// Global middleware: runs for every route, before and after the rest of the chain.
	_ = r.Use(func(c *router.Context[*Request], next router.Next[*Request]) any {
		fmt.Printf("-> msg %d\n", c.ID())
		c.Set("start", "t0")
		res := next(c)
		fmt.Printf("<- msg %d: %v\n", c.ID(), res)
		return res
	})
	_ = r.Handle(0, func(c *router.Context[*Request]) any {
		return "echo " + c.Request().Payload
	})

	// A group whose middleware stops the chain for anonymous users.
	private := r.Group(func(c *router.Context[*Request], next router.Next[*Request]) any {
		if c.Request().User == "" {
			return "authentication failed"
		}
		return next(c)
	})
	_ = private.Handle(1, func(c *router.Context[*Request]) any {
		return "profile of " + c.Request().User + " (start " + c.Get("start").(string) + ")"
	})

	r.Freeze() // a server freezes at start; later registration fails with ErrFrozen
	_, _ = r.Dispatch(0, &Request{Payload: "hi"})
	_, _ = r.Dispatch(1, &Request{})
	_, _ = r.Dispatch(1, &Request{User: "ann"})
	fmt.Println(r.Handle(2, func(*router.Context[*Request]) any { return nil }))
	// Output:
	// -> msg 0
	// <- msg 0: echo hi
	// -> msg 1
	// <- msg 1: authentication failed
	// -> msg 1
	// <- msg 1: profile of ann (start t0)
	// router: router is frozen, registration refused
}

func ExampleWithNotFound() {
	r := router.New(router.WithNotFound(func(c *router.Context[*Request]) any {
		return fmt.Sprintf("no route for %d", c.ID())
	}))
	_ = r.Handle(1, func(*router.Context[*Request]) any { return "ok" })

	res, err := r.Dispatch(9, &Request{})
	fmt.Println(res, errors.Is(err, router.ErrNoRoute), r.Unrouted())
	// Output: no route for 9 true 1
}

// The seed framework's middleware takes its own context interface and next type. With
// the router's Context embedded in the request and one static next function, the
// adapter costs no allocation per message.

// IContext is the seed-style context interface.
type IContext interface {
	GetMessage() string
	Set(key string, value interface{})
	Get(key string) interface{}
}

// SeedNext and SeedMiddleware are the seed's function types.
type (
	SeedNext       func(ctx IContext) interface{}
	SeedMiddleware func(ctx IContext, next SeedNext) interface{}
)

// message is the per-message object: it embeds the router's Context and is the request.
type message struct {
	rc   router.Context[*message]
	body string
}

func (m *message) GetMessage() string            { return m.body }
func (m *message) Set(key string, v interface{}) { m.rc.Set(key, v) }
func (m *message) Get(key string) interface{}    { return m.rc.Get(key) }

// seedNext is the one next function handed to every seed middleware.
func seedNext(ctx IContext) interface{} { return ctx.(*message).rc.Next() }

func adapt(mw SeedMiddleware) router.Middleware[*message] {
	return func(c *router.Context[*message], _ router.Next[*message]) any {
		return mw(c.Request(), seedNext)
	}
}

func Example_seedAdapter() {
	r := router.New[*message]()
	_ = r.Use(adapt(func(ctx IContext, next SeedNext) interface{} {
		ctx.Set("key", "value")
		fmt.Println("before")
		resp := next(ctx)
		fmt.Println("after")
		return resp
	}))
	_ = r.Handle(0, func(c *router.Context[*message]) any {
		fmt.Println("handler got", c.Request().GetMessage(), "key =", c.Request().Get("key"))
		return nil
	})

	m := &message{body: "hello"} // a server would pool these
	m.rc.Reset(0, m)
	_, err := r.DispatchContext(&m.rc)
	fmt.Println(err)
	// Output:
	// before
	// handler got hello key = value
	// after
	// <nil>
}
