package cluster_test

import (
	"errors"
	"runtime"
	"strconv"
	"testing"

	"github.com/netman-go/netman/cluster"
	netman "github.com/netman-go/netman/netman/server"
)

// TestOneNode: with no options the node runs its own NATS server; an
// oversized message is refused at the caller, malformed bus messages are
// dropped and counted, and Leave and Unbind stop deliveries.
func TestOneNode(t *testing.T) {
	n := startNode(t, "solo")
	a, b := dial(t, n, "a"), dial(t, n, "b")
	a.do(msgLogin, "ann")
	b.do(msgLogin, "ben")
	a.do(msgJoin, "r1")
	b.do(msgJoin, "r1")

	max := n.c.NATS().MaxPayload()
	err := n.c.Publish("r1", msgData, make([]byte, max))
	if !errors.Is(err, cluster.ErrTooLarge) {
		t.Fatalf("Publish of %d bytes: %v, want ErrTooLarge", max, err)
	}
	if err := n.c.SendToUser("", msgData, nil); !errors.Is(err, cluster.ErrEmptyName) {
		t.Fatalf("SendToUser(\"\"): %v, want ErrEmptyName", err)
	}

	// Garbage on the broadcast, user and presence subjects.
	nc := n.c.NATS()
	for _, m := range []struct{ subj, data string }{
		{"netman.all", ""}, {"netman.all", "\x01u\x00\x00\x00\x00\x0a\xffabc"}, {"netman.all", "\x09zzzzzzzzz"},
		{n.c.Subject("u", "ann"), "\x01u\x00\x00\x00\x00\x0a\x05an"}, {"netman.presence", "\x01"},
	} {
		if err := nc.Publish(m.subj, []byte(m.data)); err != nil {
			t.Fatal(err)
		}
	}
	sendSeq(t, "ok", 3, func(p []byte) error { return n.c.Publish("r1", msgData, p) })
	expectSeq(t, a, "ok", 3, false)
	expectSeq(t, b, "ok", 3, false)
	if st := n.c.Stats(); st.Malformed != 5 {
		t.Fatalf("Malformed = %d, want 5", st.Malformed)
	}

	// Leave and Unbind: b no longer gets the room's or its user's messages.
	b.do(msgLeave, "r1")
	sendSeq(t, "left", 3, func(p []byte) error { return n.c.Publish("r1", msgData, p) })
	expectSeq(t, a, "left", 3, false)
	if err := n.c.SendToUser("ben", msgData, []byte("fence end")); err != nil {
		t.Fatal(err)
	}
	expectSeq(t, b, "fence", 0, false) // nothing of the room came before it
	if p := presence(t, n, "ben"); p.Connections != 1 || p.Nodes != 1 {
		t.Fatalf("ben: %+v", p)
	}
}

// TestBindErrors: Bind refuses what it cannot take.
func TestBindErrors(t *testing.T) {
	n := startNode(t, "solo")
	other := netman.New("127.0.0.1", 0, netman.WithNumEventLoop(1), netman.WithLogOutput(discard{}))
	serve(t, other)
	dial(t, &node{tcp: other}, "stranger")
	waitFor(t, "the stranger", func() bool { return other.GetConnectMgr().Len() == 1 })
	if err := n.c.Bind(other.GetConnectMgr().GetConnects()[0], "x"); !errors.Is(err, cluster.ErrForeignConn) {
		t.Fatalf("Bind of another server's connection: %v, want ErrForeignConn", err)
	}

	c := dial(t, n, "c")
	waitFor(t, "the client", func() bool { return n.tcp.GetConnectMgr().Len() == 1 })
	conn := n.tcp.GetConnectMgr().GetConnects()[0]
	if err := n.c.Bind(conn, ""); !errors.Is(err, cluster.ErrEmptyName) {
		t.Fatalf("Bind with no name: %v, want ErrEmptyName", err)
	}
	c.Close()
	waitFor(t, "the close", func() bool { return n.tcp.GetConnectMgr().Len() == 0 })
	if err := n.c.Join(conn, "r"); !errors.Is(err, cluster.ErrConnClosed) {
		t.Fatalf("Join of a closed connection: %v, want ErrConnClosed", err)
	}
	if st := n.c.Stats(); st.Conns != 0 || st.Subscriptions != 0 {
		t.Fatalf("after refusals: %+v, want nothing kept", st)
	}
	n.c.Close()
	if err := n.c.Broadcast(msgData, nil); !errors.Is(err, cluster.ErrClosed) {
		t.Fatalf("Broadcast after Close: %v, want ErrClosed", err)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestNoGoroutinePerConnection binds and joins hundreds of connections,
// each with its own user and room, and counts goroutines: the cluster adds
// none per connection, user or room (one dispatcher per node, channel
// subscriptions without goroutines).
func TestNoGoroutinePerConnection(t *testing.T) {
	for _, buckets := range []int{1024, 0} {
		t.Run("buckets="+strconv.Itoa(buckets), func(t *testing.T) {
			n := startNode(t, "solo", cluster.WithBuckets(buckets))
			const conns = 300
			clients := make([]*client, conns)
			for i := range clients {
				clients[i] = dial(t, n, "c"+strconv.Itoa(i))
			}
			waitFor(t, "connections", func() bool { return n.tcp.GetConnectMgr().Len() == conns })
			before := runtime.NumGoroutine()
			for i, c := range clients {
				c.do(msgLogin, "user"+strconv.Itoa(i))
				c.do(msgJoin, "room"+strconv.Itoa(i))
			}
			after := runtime.NumGoroutine()
			if st := n.c.Stats(); st.Users != conns || st.Rooms != conns {
				t.Fatalf("stats %+v, want %d users and rooms", st, conns)
			}
			// The worker pool (16 workers in these tests) may start
			// workers meanwhile; a goroutine per connection, user or room
			// would add 300 or more.
			if after-before > 16+2 {
				t.Fatalf("goroutines went from %d to %d binding %d connections to their own users and rooms", before, after, conns)
			}
			// And they all get their messages.
			for i := range clients {
				if err := n.c.Publish("room"+strconv.Itoa(i), msgData, []byte("r end")); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range clients {
				expectSeq(t, c, "r", 0, false)
			}
		})
	}
}
