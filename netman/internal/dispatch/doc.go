// Package dispatch is netman's concurrency model: it runs the handlers of
// many connections on a bounded pool of worker goroutines, or on the event
// loop, with each connection's jobs in order and one at a time.
//
// Every connection has an [Inbox]: its open job, its messages in arrival
// order and its close job, run in that order by at most one worker at a
// time. The inbox is bounded (a message count and a byte count); past the
// bound the [Handler] is asked to pause reading the connection, and to
// resume once a worker has taken the inbox's contents, so a connection whose
// handlers are slow slows its peer down (TCP flow control) instead of
// growing memory.
//
// The pool starts up to 2×GOMAXPROCS workers eagerly. Beyond that a
// watchdog adds workers only when queued work makes no progress for
// StallCheck, which means handlers are blocking (a database call); CPU-bound
// bursts reuse a few goroutines instead of leaving a stack per connection
// behind. Its run queue is an intrusive list in which a connection appears
// at most once, so it is bounded by the number of connections. No goroutine
// waits per connection.
//
// The package is internal to the netman module: netman/server wires it to
// the seed framework's names (hooks, routes, WebSocket handlers).
package dispatch
