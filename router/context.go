package router

// Context is the per-message state handed to middleware and handlers: the message id,
// the request, a small key/value store, and the position in the route's chain.
//
// A Context belongs to one message and one goroutine. Contexts made by Dispatch are
// pooled: do not keep one, or anything that refers to it, after the handler returns.
type Context[R any] struct {
	id      uint32
	index   int32 // position in chain: -1 before the first middleware, len(mws) at the handler
	chain   *chain[R]
	request R
	values  []entry // allocated on the first Set
}

type entry struct {
	key   string
	value any
}

// maxPooledValues bounds the value store a pooled Context keeps between messages.
const maxPooledValues = 16

// Reset prepares c for a new message, keeping the capacity of its value store. It is
// needed only by callers that manage their own contexts for [Router.DispatchContext].
func (c *Context[R]) Reset(id uint32, req R) {
	c.id, c.request, c.chain, c.index = id, req, nil, -1
	c.clearValues()
}

// ID returns the message id.
func (c *Context[R]) ID() uint32 { return c.id }

// Request returns the request the message was dispatched with.
func (c *Context[R]) Request() R { return c.request }

// Set stores value under key for the rest of the chain, replacing any previous value.
// The store is allocated on the first Set of a context's life.
func (c *Context[R]) Set(key string, value any) {
	for i := range c.values {
		if c.values[i].key == key {
			c.values[i].value = value
			return
		}
	}
	if c.values == nil {
		c.values = make([]entry, 0, 4)
	}
	c.values = append(c.values, entry{key, value})
}

// Get returns the value stored under key, or nil.
func (c *Context[R]) Get(key string) any {
	v, _ := c.Lookup(key)
	return v
}

// Lookup returns the value stored under key and whether it was set.
func (c *Context[R]) Lookup(key string) (any, bool) {
	for i := range c.values {
		if c.values[i].key == key {
			return c.values[i].value, true
		}
	}
	return nil, false
}

// Next runs the rest of the chain (the next middleware, or the handler after the last
// middleware) and returns its result. It is what the next argument of a middleware does;
// adapters that cannot pass next along can call it directly. Called again from the same
// middleware, it runs the rest of the chain again. After the handler, it returns nil.
func (c *Context[R]) Next() any {
	ch := c.chain
	if ch == nil {
		return nil
	}
	i := c.index + 1
	var res any
	switch {
	case int(i) < len(ch.mws):
		c.index = i
		res = ch.mws[i](c, ch.next)
		c.index = i - 1
	case int(i) == len(ch.mws):
		c.index = i
		res = ch.handler(c)
		c.index = i - 1
	}
	return res
}

// next is the Next[R] handed to every middleware: one function for all chains, stored in
// each compiled chain, so calling a middleware allocates nothing.
func next[R any](c *Context[R]) any { return c.Next() }

func (c *Context[R]) clearValues() {
	if cap(c.values) > maxPooledValues {
		c.values = nil
		return
	}
	clear(c.values)
	c.values = c.values[:0]
}
