// Package netman is the umbrella module of the netman framework. Its
// packages carry the documented server API, compatible with the framework
// netman replaces (github.com/ikilobyte/netman): only import paths change.
//
//   - server: server.New, server.Websocket, the With... options, routes,
//     middleware and groups.
//   - iface: the interfaces handlers see (IConnect, IRequest, IMessage,
//     IContext, IRouter, IHooks, IPacker, ...).
//   - util: the default packet format (NewDataPacker) for servers and clients.
//
// Inside the module, internal/dispatch is netman's concurrency model: the
// bounded worker pool, the per-connection inbox that keeps a connection's
// events in order and pauses its reading when full, and the watchdog that
// grows the pool only when handlers block. server wires it to the seed's
// hooks, routes and WebSocket handlers.
//
// The layers below (netpoll, framing, router, tlsconn, ws) use idiomatic Go
// names; the I-prefixed names exist only here, for compatibility.
package netman
