package router

import "slices"

// Group is a set of routes sharing middleware, which runs after the global middleware
// and after the middleware of enclosing groups. Its methods are safe for concurrent use.
type Group[R any] struct {
	r      *Router[R]
	parent *Group[R]
	mws    []Middleware[R]
}

// Use appends middleware to the group; it applies to every route of the group and its
// subgroups, including routes registered before the call. It fails with ErrFrozen once
// the router is frozen.
func (g *Group[R]) Use(mw ...Middleware[R]) error {
	if hasNil(mw) {
		return ErrNilMiddleware
	}
	g.r.mu.Lock()
	defer g.r.mu.Unlock()
	if g.r.table.Load() != nil {
		return ErrFrozen
	}
	g.mws = append(g.mws, mw...)
	return nil
}

// Group returns a subgroup whose routes run this group's middleware, then mw.
// A nil middleware makes every Handle on the subgroup fail with ErrNilMiddleware.
func (g *Group[R]) Group(mw ...Middleware[R]) *Group[R] {
	return &Group[R]{r: g.r, parent: g, mws: slices.Clone(mw)}
}

// Handle registers h for message id behind the global middleware and the middleware of
// this group and its enclosing groups. It fails with ErrDuplicateRoute if id already has
// a route anywhere in the router, ErrNilHandler, ErrNilMiddleware, or ErrFrozen.
func (g *Group[R]) Handle(id uint32, h Handler[R]) error {
	if h == nil {
		return ErrNilHandler
	}
	g.r.mu.Lock()
	defer g.r.mu.Unlock()
	if g.r.table.Load() != nil {
		return ErrFrozen
	}
	for p := g; p != nil; p = p.parent {
		if hasNil(p.mws) {
			return ErrNilMiddleware
		}
	}
	if _, dup := g.r.routes[id]; dup {
		return ErrDuplicateRoute
	}
	g.r.routes[id] = route[R]{group: g, handler: h}
	return nil
}

// middleware returns the group's chain of middleware, outermost first. Called under r.mu.
func (g *Group[R]) middleware() []Middleware[R] {
	var path []*Group[R]
	n := 0
	for p := g; p != nil; p = p.parent {
		path = append(path, p)
		n += len(p.mws)
	}
	if n == 0 {
		return nil
	}
	mws := make([]Middleware[R], 0, n)
	for i := len(path) - 1; i >= 0; i-- {
		mws = append(mws, path[i].mws...)
	}
	return mws
}

func hasNil[R any](mws []Middleware[R]) bool {
	for _, m := range mws {
		if m == nil {
			return true
		}
	}
	return false
}
