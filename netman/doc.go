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
// The layers below (netpoll, framing, router, tlsconn, ws) use idiomatic Go
// names; the I-prefixed names exist only here, for compatibility.
package netman
