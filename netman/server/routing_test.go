package server

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netman-go/netman/netman/iface"
)

type routerFunc func(iface.IRequest)

func (f routerFunc) Do(r iface.IRequest) { f(r) }

// echoRoute sends every message back with its id.
var echoRoute = routerFunc(func(r iface.IRequest) {
	m := r.GetMessage()
	r.GetConnect().Send(m.ID(), m.Bytes())
})

func TestMiddlewareOrderAndContext(t *testing.T) {
	var mu sync.Mutex
	var trace []string
	note := func(s string) {
		mu.Lock()
		trace = append(trace, s)
		mu.Unlock()
	}
	s, _ := newTest(t)
	s.Use(func(ctx iface.IContext, next iface.Next) interface{} {
		note("global before")
		ctx.Set("user", "ann")
		resp := next(ctx)
		note(fmt.Sprintf("global after (%v)", resp))
		return resp
	})
	g := s.Group(func(ctx iface.IContext, next iface.Next) interface{} {
		note("group before, user=" + ctx.Get("user").(string))
		ctx.Set("role", "admin")
		resp := next(ctx)
		note("group after")
		return resp
	})
	g.AddRouter(7, routerFunc(func(r iface.IRequest) {
		note("handler, role=" + r.(iface.IContext).Get("role").(string))
		r.GetConnect().Send(7, []byte("done"))
	}))
	// Global middleware added after the routes still applies to them.
	s.Use(func(ctx iface.IContext, next iface.Next) interface{} {
		note("late global")
		return next(ctx)
	})
	c := connect(t, start(t, s))
	c.send(7, []byte("go"))
	if id, p := c.recv(); id != 7 || string(p) != "done" {
		t.Fatalf("got %d %q", id, p)
	}
	waitFor(t, "the chain to unwind", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(trace) == 6
	})
	want := []string{"global before", "late global", "group before, user=ann", "handler, role=admin", "group after", "global after (<nil>)"}
	if strings.Join(trace, "|") != strings.Join(want, "|") {
		t.Fatalf("order:\n got %q\nwant %q", trace, want)
	}
}

// TestGroupMiddlewareStopsChain is the seed's authentication middleware:
// it answers, closes the connection and never calls next.
func TestGroupMiddlewareStopsChain(t *testing.T) {
	var ran sync.WaitGroup
	handlerRan := false
	s, _ := newTest(t)
	g := s.Group(func(ctx iface.IContext, next iface.Next) interface{} {
		conn := ctx.GetConnect()
		conn.Send(1, []byte("Authentication failed"))
		conn.Close()
		return nil
	})
	g.AddRouter(1, routerFunc(func(r iface.IRequest) { handlerRan = true; ran.Done() }))
	s.AddRouter(0, echoRoute)
	addr := start(t, s)

	c := connect(t, addr)
	c.send(1, []byte("let me in"))
	if id, p := c.recv(); id != 1 || string(p) != "Authentication failed" {
		t.Fatalf("got %d %q", id, p)
	}
	c.expectClosed()
	// Other connections and other routes are unaffected.
	other := connect(t, addr)
	other.send(0, []byte("still here"))
	if _, p := other.recv(); string(p) != "still here" {
		t.Fatalf("got %q", p)
	}
	if handlerRan {
		t.Fatal("the route's handler ran although middleware stopped the chain")
	}
}

func TestManyMessagesInOneWriteInOrder(t *testing.T) {
	s, _ := newTest(t)
	s.AddRouter(3, echoRoute)
	c := connect(t, start(t, s))
	var batch bytes.Buffer
	for i := 0; i < 50; i++ {
		batch.Write(pack(3, fmt.Sprintf("message %02d", i)))
	}
	if _, err := c.Write(batch.Bytes()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if _, p := c.recv(); string(p) != fmt.Sprintf("message %02d", i) {
			t.Fatalf("reply %d: %q", i, p)
		}
	}
}

func TestMessageSplitAtEveryByte(t *testing.T) {
	s, _ := newTest(t)
	s.AddRouter(9, echoRoute)
	addr := start(t, s)
	msg := pack(9, "split me anywhere")
	for cut := 1; cut < len(msg); cut++ {
		c := connect(t, addr)
		c.Conn.(*net.TCPConn).SetNoDelay(true)
		c.Write(msg[:cut])
		// Let the first part arrive alone, so the server really sees the
		// split (a read that joins both only weakens the test).
		time.Sleep(2 * time.Millisecond)
		c.Write(msg[cut:])
		if id, p := c.recv(); id != 9 || string(p) != "split me anywhere" {
			t.Fatalf("cut %d: got %d %q", cut, id, p)
		}
		c.Close()
	}
}

func TestBroadcastThroughGetConnects(t *testing.T) {
	s, _ := newTest(t)
	s.AddRouter(0, routerFunc(func(r iface.IRequest) {
		me := r.GetConnect()
		for _, other := range r.GetConnects() {
			if other.GetID() != me.GetID() {
				other.Send(1, []byte("hello world!"))
			}
		}
		me.Send(0, []byte("sent"))
	}))
	addr := start(t, s)
	listeners := []*client{connect(t, addr), connect(t, addr), connect(t, addr)}
	waitFor(t, "connections registered", func() bool { return s.GetConnectMgr().Len() == 3 })
	sender := connect(t, addr)
	waitFor(t, "sender registered", func() bool { return s.GetConnectMgr().Len() == 4 })
	sender.send(0, nil)
	if _, p := sender.recv(); string(p) != "sent" {
		t.Fatalf("sender got %q", p)
	}
	for i, l := range listeners {
		if id, p := l.recv(); id != 1 || string(p) != "hello world!" {
			t.Fatalf("listener %d got %d %q", i, id, p)
		}
	}
}

func TestNoRouteIsCountedAndLogged(t *testing.T) {
	s, logs := newTest(t)
	s.AddRouter(0, echoRoute)
	c := connect(t, start(t, s))
	c.send(42, []byte("nobody home"))
	c.send(0, []byte("ping"))
	if _, p := c.recv(); string(p) != "ping" {
		t.Fatalf("got %q", p)
	}
	if s.Unrouted() != 1 {
		t.Fatalf("unrouted = %d", s.Unrouted())
	}
	if !strings.Contains(logs.String(), `"msg_id":42`) {
		t.Fatalf("no log line for the unrouted message:\n%s", logs)
	}
}

func TestNotFoundHandler(t *testing.T) {
	s, _ := newTest(t, WithNotFound(routerFunc(func(r iface.IRequest) {
		r.GetConnect().Send(404, r.GetMessage().Bytes())
	})))
	c := connect(t, start(t, s))
	c.send(42, []byte("where"))
	if id, p := c.recv(); id != 404 || string(p) != "where" {
		t.Fatalf("got %d %q", id, p)
	}
}

func TestRegisterAfterStartRefused(t *testing.T) {
	s, _ := newTest(t)
	s.AddRouter(0, echoRoute)
	start(t, s)
	waitFor(t, "router frozen", func() bool { return s.rt.Frozen() })
	if err := s.AddRouter(1, echoRoute); err == nil {
		t.Fatal("AddRouter after Start succeeded")
	}
	if err := s.Use(func(ctx iface.IContext, next iface.Next) interface{} { return next(ctx) }); err == nil {
		t.Fatal("Use after Start succeeded")
	}
}

func TestDuplicateRouteRefused(t *testing.T) {
	s, _ := newTest(t)
	if err := s.AddRouter(0, echoRoute); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRouter(0, echoRoute); err == nil {
		t.Fatal("duplicate route accepted")
	}
}

func TestHandlerPanicClosesOnlyThatConnection(t *testing.T) {
	s, logs := newTest(t)
	s.AddRouter(0, echoRoute)
	s.AddRouter(1, routerFunc(func(r iface.IRequest) { panic(errors.New("boom")) }))
	addr := start(t, s)
	bad := connect(t, addr)
	good := connect(t, addr)
	bad.send(1, nil)
	bad.expectClosed()
	good.send(0, []byte("ok"))
	if _, p := good.recv(); string(p) != "ok" {
		t.Fatalf("got %q", p)
	}
	if !strings.Contains(logs.String(), "handler panicked") {
		t.Fatal("panic not logged")
	}
}

func pack(id uint32, s string) []byte {
	b, err := (framingDefault{}).pack(id, []byte(s))
	if err != nil {
		panic(err)
	}
	return b
}
