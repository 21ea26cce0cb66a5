// Package netpoll is a small reactor for servers that hold very many
// long-lived TCP connections: epoll on Linux, kqueue on darwin and FreeBSD.
//
// A [Server] runs N event loops (one goroutine each, default
// runtime.NumCPU()). Every connection belongs to exactly one loop, and its
// [Handler] callbacks run on that loop, one at a time, in the order events
// arrive. There is no goroutine per connection.
//
// # What runs on the loop
//
// [Handler.OnOpen], [Handler.OnData] and [Handler.OnClose] run on the
// connection's event loop. A loop serves thousands of connections, so these
// callbacks must never block: no database calls, no channel sends that may
// wait, no time.Sleep. A handler with blocking work hands the bytes it needs to
// a worker (a bounded pool, see the netman module) and writes the answer from
// there: every *Conn method is safe from any goroutine (but CloseAfter, which
// belongs to the loop).
//
// Work begun elsewhere comes back to the connection's loop with
// [Conn.Execute]: the function runs on the loop, serialized with the
// handler's calls, so a layer above netpoll (TLS after its handshake
// goroutine, a worker pool's bookkeeping) never hands a lock between
// goroutines. [Conn.Wake] offers the bytes a handler declined to it again,
// and [Conn.CloseAfter] gives a connection an absolute deadline (a
// handshake's) on the loop's timing wheel. Layers that hand a decoded stream
// to a handler of their own keep its unconsumed bytes in an [Input], as
// netpoll does for its Handler.
//
// # Memory
//
// Reads go into one buffer per loop. A connection that has nothing unconsumed
// holds no read buffer at all; only a connection whose handler left a partial
// message keeps those leftover bytes. Writes go straight to the socket; only
// what the kernel does not take is copied into a per-connection queue (or,
// with [Conn.WriteOwned], the caller's buffer is queued as it is), which is
// bounded ([WithMaxPendingWrite]) so a peer that never reads cannot grow
// server memory without limit. Idle timeouts use a timing wheel per loop, not
// a timer per connection.
//
// # Platforms
//
// Linux (epoll), darwin and FreeBSD (kqueue). On every other platform the
// package compiles, and [Server.Serve], [Server.Listen] and [Server.Dial]
// return [ErrUnsupportedPlatform].
package netpoll
