package router

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Handler handles one message. Its result is returned to the middleware that called
// next, and finally by Dispatch.
type Handler[R any] func(ctx *Context[R]) any

// Next runs the rest of a chain; a middleware receives one and calls it with the ctx it
// was given, or does not call it to stop the chain.
type Next[R any] func(ctx *Context[R]) any

// Middleware wraps the rest of a chain: it may run code before and after next(ctx),
// replace its result, or return without calling next to stop the chain.
type Middleware[R any] func(ctx *Context[R], next Next[R]) any

// Option configures a Router.
type Option[R any] func(*Router[R])

// WithNotFound sets a handler for messages with no route. It runs behind the global
// middleware; Dispatch still returns ErrNoRoute (with the handler's result) and the
// message is still counted by Unrouted.
func WithNotFound[R any](h Handler[R]) Option[R] {
	return func(r *Router[R]) { r.notFound = h }
}

// denseLimit bounds the ids held in the lookup slice; larger ids go to a map.
const denseLimit = 1024

// Router maps message ids to handlers behind middleware chains. Create it with New,
// register, then Dispatch. The zero value is not usable.
type Router[R any] struct {
	table    atomic.Pointer[table[R]] // nil until frozen
	unrouted atomic.Uint64
	pool     sync.Pool // *Context[R]

	mu       sync.Mutex // guards everything below, and all groups
	root     *Group[R]  // its middleware is the global middleware
	routes   map[uint32]route[R]
	notFound Handler[R]
}

type route[R any] struct {
	group   *Group[R]
	handler Handler[R]
}

// chain is a compiled route: its middleware in run order, then its handler.
type chain[R any] struct {
	mws     []Middleware[R]
	handler Handler[R]
	next    Next[R] // the static next[R], made once: a generic func value made per call would allocate
}

type table[R any] struct {
	dense    []chain[R] // by id, for ids < denseLimit; handler == nil means no route
	sparse   map[uint32]*chain[R]
	notFound *chain[R]
	ids      []uint32
}

// New returns an empty router.
func New[R any](opts ...Option[R]) *Router[R] {
	r := &Router[R]{routes: make(map[uint32]route[R])}
	r.root = &Group[R]{r: r}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Use appends global middleware, which runs, in Use order, before the group middleware
// and the handler of every route, including routes registered before the call.
// It fails with ErrFrozen once the router is frozen.
func (r *Router[R]) Use(mw ...Middleware[R]) error { return r.root.Use(mw...) }

// Handle registers h for message id, behind the global middleware only. It fails with
// ErrDuplicateRoute if id already has a route, ErrNilHandler, or ErrFrozen.
func (r *Router[R]) Handle(id uint32, h Handler[R]) error { return r.root.Handle(id, h) }

// Group returns a group of routes that run mw (after the global middleware) before
// their handler.
func (r *Router[R]) Group(mw ...Middleware[R]) *Group[R] { return r.root.Group(mw...) }

// Freeze compiles the chains and makes the router read-only. It is idempotent, and
// called by the first Dispatch; a server calls it at start so late registration fails
// loudly instead of racing with traffic.
func (r *Router[R]) Freeze() { r.freeze() }

// Frozen reports whether the router has been frozen.
func (r *Router[R]) Frozen() bool { return r.table.Load() != nil }

// Routes returns the registered message ids in ascending order.
func (r *Router[R]) Routes() []uint32 {
	if t := r.table.Load(); t != nil {
		return slices.Clone(t.ids)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return sortedIDs(r.routes)
}

// Unrouted returns how many messages were dispatched with an id that has no route.
func (r *Router[R]) Unrouted() uint64 { return r.unrouted.Load() }

// Dispatch runs the chain of the route for id with a pooled Context holding id and req,
// and returns the chain's result. A message with no route is counted, handed to the
// not-found handler if there is one, and reported with ErrNoRoute. Dispatch freezes the
// router on first use and is safe for concurrent use. Panics of middleware and handlers
// propagate to the caller.
func (r *Router[R]) Dispatch(id uint32, req R) (any, error) {
	ch, err := r.route(id)
	if ch == nil {
		return nil, err
	}
	c, _ := r.pool.Get().(*Context[R])
	if c == nil {
		c = new(Context[R])
	}
	c.id, c.request, c.chain, c.index = id, req, ch, -1
	res := c.Next()
	var zero R
	c.request, c.chain = zero, nil
	c.clearValues()
	r.pool.Put(c)
	return res, err
}

// DispatchContext is Dispatch with a Context the caller manages, for example one embedded
// in a pooled per-message object of its own; prepare it with c.Reset(id, req). The
// context's values are left as the chain set them.
func (r *Router[R]) DispatchContext(c *Context[R]) (any, error) {
	ch, err := r.route(c.id)
	if ch == nil {
		return nil, err
	}
	c.chain, c.index = ch, -1
	res := c.Next()
	c.chain = nil
	return res, err
}

// route returns the chain to run for id: its route's, or the not-found chain with
// ErrNoRoute, or nil and ErrNoRoute.
func (r *Router[R]) route(id uint32) (*chain[R], error) {
	t := r.table.Load()
	if t == nil {
		t = r.freeze()
	}
	if ch := t.lookup(id); ch != nil {
		return ch, nil
	}
	r.unrouted.Add(1)
	return t.notFound, ErrNoRoute
}

func (t *table[R]) lookup(id uint32) *chain[R] {
	if id < uint32(len(t.dense)) {
		if ch := &t.dense[id]; ch.handler != nil {
			return ch
		}
		return nil
	}
	if t.sparse == nil {
		return nil
	}
	return t.sparse[id]
}

func (r *Router[R]) freeze() *table[R] {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t := r.table.Load(); t != nil {
		return t
	}
	t := &table[R]{ids: sortedIDs(r.routes)}
	maxDense := -1
	for _, id := range t.ids {
		if id < denseLimit {
			maxDense = int(id)
		}
	}
	t.dense = make([]chain[R], maxDense+1)
	for id, rt := range r.routes {
		ch := newChain(rt.group.middleware(), rt.handler)
		if id < denseLimit {
			t.dense[id] = ch
			continue
		}
		if t.sparse == nil {
			t.sparse = make(map[uint32]*chain[R])
		}
		t.sparse[id] = &ch
	}
	if r.notFound != nil {
		ch := newChain(r.root.middleware(), r.notFound)
		t.notFound = &ch
	}
	r.table.Store(t)
	return t
}

func newChain[R any](mws []Middleware[R], h Handler[R]) chain[R] {
	return chain[R]{mws: mws, handler: h, next: next[R]}
}

func sortedIDs[V any](m map[uint32]V) []uint32 {
	ids := make([]uint32, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
