package server

import (
	"sync"

	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netman/util"
	"github.com/netman-go/netman/router"
)

// request is one message on its way through middleware to its route. It
// is both the IRequest handlers get and the IContext middleware gets.
type request struct {
	rc   router.Context[*request]
	conn *connection
	m    util.Message
	next *request // in conn's inbox
	// No more fields: at 104 bytes a request is in the 112-byte size class,
	// apart from the 128 of netpoll's Conn, so the spans a burst of requests
	// leaves behind hold no live connections and go back whole. A pooled
	// request keeps its payload's storage in m's (empty) bytes.
}

// newRequest makes the request for one received message; the request and
// its message are one allocation.
func newRequest(c *connection, m util.Message) *request { return &request{conn: c, m: m} }

// maxPooledPayload is the largest payload buffer a pooled request keeps
// between messages: a rare big message does not pin its buffer in the pool.
const maxPooledPayload = 4 << 10

var requests = sync.Pool{New: func() any { return new(request) }}

// request returns the request for one received message whose payload is
// only valid during the call: a copy of it in a new allocation, or, with
// WithRequestPool, a recycled request holding the copy in its own buffer.
func (s *Server) request(c *connection, id uint32, payload []byte, text bool) *request {
	if !s.opts.requestPool {
		data := append(make([]byte, 0, len(payload)), payload...)
		m := util.NewMessage(id, data)
		if text {
			m = util.NewTextMessage(data)
		}
		return newRequest(c, *m)
	}
	r := requests.Get().(*request)
	r.conn = c
	buf := append(r.m.Bytes()[:0], payload...)
	if text {
		r.m = *util.NewTextMessage(buf)
	} else {
		r.m = *util.NewMessage(id, buf)
	}
	return r
}

// ownedRequest returns the request for a message whose payload is the
// caller's to give (the decoder's WithOwnedPayloads): the payload becomes
// the message's bytes, in a recycled request with WithRequestPool (release
// keeps the payload for later messages only if it is small).
func (s *Server) ownedRequest(c *connection, id uint32, payload []byte) *request {
	if !s.opts.requestPool {
		return newRequest(c, *util.NewMessage(id, payload))
	}
	r := requests.Get().(*request)
	r.conn = c
	r.m = *util.NewMessage(id, payload)
	return r
}

// release returns r to the pool once its handler chain has returned; see
// WithRequestPool for the rule this relies on.
func (s *Server) release(r *request) {
	if !s.opts.requestPool {
		return
	}
	r.rc.Reset(0, nil)
	var keep []byte
	if b := r.m.Bytes(); cap(b) <= maxPooledPayload {
		keep = b[:0]
	}
	r.conn, r.m, r.next = nil, *util.NewMessage(0, keep), nil
	requests.Put(r)
}

// Next, SetNext and Size make a request a dispatch.Message.
func (r *request) Next() *request     { return r.next }
func (r *request) SetNext(n *request) { r.next = n }
func (r *request) Size() int          { return len(r.m.Bytes()) }

var (
	_ iface.IRequest = (*request)(nil)
	_ iface.IContext = (*request)(nil)
)

// GetConnect returns the connection the message came from.
func (r *request) GetConnect() iface.IConnect { return r.conn }

// GetMessage returns the message.
func (r *request) GetMessage() iface.IMessage { return &r.m }

// GetConnects returns a snapshot of the server's open connections.
func (r *request) GetConnects() []iface.IConnect { return r.conn.srv.conns.GetConnects() }

// GetRequest returns the request itself.
func (r *request) GetRequest() iface.IRequest { return r }

// Set stores a value for the rest of this message's chain.
func (r *request) Set(key string, value interface{}) { r.rc.Set(key, value) }

// Get returns a value stored with Set, or nil.
func (r *request) Get(key string) interface{} { return r.rc.Get(key) }

// next continues the chain of the request passed to it.
func next(ctx iface.IContext) interface{} {
	r, ok := ctx.(*request)
	if !ok {
		panic("netman: middleware must pass the IContext it received to next")
	}
	return r.rc.Next()
}

// adapt turns a seed middleware into a router middleware.
func adapt(mw iface.MiddlewareFunc) router.Middleware[*request] {
	return func(c *router.Context[*request], _ router.Next[*request]) any {
		return mw(c.Request(), next)
	}
}

func adaptAll(mws []iface.MiddlewareFunc) []router.Middleware[*request] {
	out := make([]router.Middleware[*request], len(mws))
	for i, mw := range mws {
		out[i] = adapt(mw)
	}
	return out
}

func route(r iface.IRouter) router.Handler[*request] {
	return func(c *router.Context[*request]) any {
		r.Do(c.Request())
		return nil
	}
}

// group is an iface.IGroup.
type group struct {
	g *router.Group[*request]
}

// AddRouter routes msgID to r after the group's middleware.
func (g *group) AddRouter(msgID uint32, r iface.IRouter) error {
	return g.g.Handle(msgID, route(r))
}

// Use adds middleware to the group.
func (g *group) Use(mw ...iface.MiddlewareFunc) error { return g.g.Use(adaptAll(mw)...) }
