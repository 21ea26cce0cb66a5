// Package router routes messages by uint32 message id through middleware chains to
// handlers. It knows nothing about sockets: a server decodes a message, picks a request
// value of its own type R, and calls [Router.Dispatch].
//
// Registration and dispatch are two phases. Routes, groups and middleware are registered
// first, in any order; the first Dispatch (or an explicit [Router.Freeze]) compiles one
// chain per route — global middleware in Use order, then the middleware of each enclosing
// group from the outermost in, then the handler — and from then on the router is
// read-only: Dispatch is safe from any number of goroutines and registering fails with
// [ErrFrozen]. Because chains are compiled at the freeze, global middleware added with Use
// after some routes still applies to every route, as it does in the seed framework.
//
// A message whose id has no route is never silently dropped: Dispatch returns [ErrNoRoute],
// the router counts it ([Router.Unrouted]), and an optional not-found handler
// ([WithNotFound]) runs behind the global middleware.
//
// Dispatch does not allocate, with or without middleware: contexts are pooled, chains are
// precompiled, and the next function handed to a middleware is one function for all
// chains that advances the context's position in its chain. Set allocates a small value
// store the first time it is used in a pooled context's life. Callers that already pool a
// per-message object can embed a Context in it and use [Router.DispatchContext], which
// skips the router's pool (see the seed adapter example).
package router
