// Package cluster turns netman servers on several machines into one
// service, over NATS: a message for a user, a room or everyone reaches the
// connections it is for, whichever node they are on.
//
//	c, err := cluster.New(srv) // an embedded NATS server: nothing else to run
//	c.Bind(conn, "alice")      // in a login handler
//	c.Join(conn, "lobby")
//	c.SendToUser("alice", 1, []byte("hi"))   // every connection of alice, on every node
//	c.Publish("lobby", 2, []byte("hello"))   // every member of the room
//	c.Broadcast(3, []byte("maintenance"))    // every connection of every node
//	p, _ := c.UserPresence(ctx, "alice")     // answered by the live nodes
//
// A connection that closes leaves its user and rooms by itself (netman's
// OnConnClose, so the server's own hooks stay the application's). TCP, TLS,
// ws and wss connections are alike; WebSocket connections get binary
// messages, or text ones with SendTextToUser, PublishText, BroadcastText.
//
// # Engine
//
// By default New starts an embedded nats-server on a free port of
// 127.0.0.1. WithEmbeddedNATS gives it options, such as a cluster name,
// port and routes, so that the embedded servers of a few nodes form one
// NATS cluster. WithNATS connects to an external NATS cluster instead, with
// credentials and TLS passed through WithNATSOptions. No protocol of our
// own runs between nodes: it is all NATS subjects.
//
// # Subjects and interest
//
// A node subscribes only to what its connections need: <prefix>.u.<token>
// for the users bound on it, <prefix>.r.<token> for the rooms joined on it,
// plus <prefix>.all and <prefix>.presence. The token is a bucket (WithBuckets,
// default 1024 per kind: a node holds at most that many subscriptions
// however many users and rooms it has, and drops the messages of users of
// the same bucket it does not hold) or, with WithBuckets(0), the name
// itself, for exact interest at one NATS subscription per user and room.
//
// # Fan-out
//
// Every subscription feeds one bounded channel (WithQueueLen) read by one
// dispatcher goroutine per node: no goroutine per connection, user or room.
// A message is encoded once per node, whatever the number of local
// receivers (netman's SendMany), and its bytes are shared by their write
// queues. Sends never block: a receiver whose write queue is full misses
// the message, and its server counts and logs it (Stats().Refused).
//
// # Semantics
//
// Core NATS is at-most-once, and so is this package: when nothing fails,
// each message reaches each connection it is for exactly once, in the
// order one node published them (per user, room or broadcast); a message
// can be lost, never duplicated, when a node, a NATS server or a route
// fails, or when a receiver is too slow. There is no history and no
// acknowledgement.
//
//   - While the NATS connection is down, the client reconnects by itself
//     (forever) and buffers what is published, up to WithReconnectBuffer
//     bytes; past that, sends fail with ErrReconnecting. Subscriptions are
//     restored on reconnect; messages published by others meanwhile are
//     not delivered to this node.
//   - A message larger than the NATS server's max payload (1 MiB by
//     default), once encoded for the bus (a few bytes plus the user or room
//     name), is refused with ErrTooLarge, and nothing is sent.
//   - A malformed message arriving from NATS is dropped and counted
//     (Stats().Malformed), never a crash.
//   - Messages that NATS drops because the node's queue is full are
//     counted in Stats().Dropped.
//   - Presence is a scatter-gather request with a deadline: every live
//     node answers with its own count, so a node that died stops counting
//     at once; a node that is only slow to answer is missed too.
package cluster
