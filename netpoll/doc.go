// Package netpoll is a small reactor for servers that hold very many
// long-lived TCP connections: epoll on Linux, kqueue on darwin and FreeBSD,
// and a portable backend on the net package elsewhere (see Platforms).
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
// Linux (epoll), darwin and FreeBSD (kqueue) run the reactor described
// above. Every other platform, Windows first, runs the portable backend on
// the standard net package, which the build tag netpoll_portable also
// selects on the reactor's platforms (CI runs the whole test suite both
// ways). It keeps the API and its promises: bounded all-or-nothing writes
// ([ErrWriteQueueFull], [WithCloseOnWriteOverflow]), reading paused while
// writes back up, idle timeouts and [Conn.CloseAfter], handler calls
// serialized in order (OnOpen, OnData..., OnClose), [Conn.Execute], Wake,
// OnDrain with WriteBlocked and NotifyDrain, Cork and Uncork, graceful
// Close with flush and linger, CloseNow, Pause/ResumeReading,
// [Server.Shutdown], [Server.Dial] and [Server.Stats].
//
// What it does not keep is the reactor's price: it pays a goroutine per
// connection. Each connection is its own loop (one goroutine that reads
// and makes every handler call), plus a writer goroutine only while output
// is pending, and holds a read buffer of its own (1 KiB, doubling up to
// [WithReadBufferSize] when reads fill it). Measured on linux/amd64 with
// `go run ./cmd/bench -tags netpoll_portable -scenarios idle` in the
// benchmarks module (10,000 connections that each echoed one message, RSS
// of a fresh process): about 7,000 bytes per idle connection for the bare
// echo (8,500 through netman), against about 200 (450) on the reactor and
// 7,900 for a goroutine-per-connection server on net; an echo costs it 1.4
// to 3.4 times the reactor's server CPU per message (most at 1,000
// connections with small messages). Its loop is the goroutine and Go's
// runtime poller (IOCP on Windows) its poller, so [WithLoops],
// [WithLoadBalancing] and [WithReusePort] have no effect
// there, and every write is copied to the queue (or, with WriteOwned,
// queued as it is) for the writer.
package netpoll
