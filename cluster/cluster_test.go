package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/netman-go/netman/cluster"
)

// TestClusterEmbedded runs the suite on three nodes whose embedded NATS
// servers form one NATS cluster by routes.
func TestClusterEmbedded(t *testing.T) {
	runSuite(t, embeddedEnv(t, cluster.WithReconnectBuffer(64<<10)))
}

// TestClusterExternal runs the suite on three nodes sharing one separate
// nats-server process (built by .ci/run).
func TestClusterExternal(t *testing.T) {
	runSuite(t, externalEnv(t, cluster.WithReconnectBuffer(64<<10)))
}

// TestClusterExactSubjects runs the suite with a subject per user and
// room (WithBuckets(0)) instead of hashed buckets.
func TestClusterExactSubjects(t *testing.T) {
	runSuite(t, embeddedEnv(t, cluster.WithBuckets(0)))
}

type suite struct {
	*env
	a0, a1, c1, b2 *client // alice on n0 and n1, carol on n1, bob on n2
	w0             *wsClient
}

func runSuite(t *testing.T, e *env) {
	n0, n1, n2 := e.nodes[0], e.nodes[1], e.nodes[2]
	s := &suite{env: e,
		a0: dial(t, n0, "alice@n0"), a1: dial(t, n1, "alice@n1"),
		c1: dial(t, n1, "carol@n1"), b2: dial(t, n2, "bob@n2"),
		w0: dialWS(t, n0, "dave@n0(ws)"),
	}
	s.a0.do(msgLogin, "alice")
	s.a1.do(msgLogin, "alice")
	s.c1.do(msgLogin, "carol")
	s.b2.do(msgLogin, "bob")
	s.w0.do("login", "dave")
	for _, c := range []*client{s.a0, s.c1, s.b2} {
		c.do(msgJoin, "lobby")
	}
	s.w0.do("join", "lobby")
	s.waitAllInterest(t)

	t.Run("delivery", s.delivery)
	t.Run("presence", s.presence)
	t.Run("closed connection leaves", s.closedLeaves)
	t.Run("NATS restart", s.natsRestart)
	t.Run("node killed mid-traffic", s.nodeKilled)
}

// waitAllInterest waits until the NATS routes carry every node's
// subscriptions for the suite's users and rooms.
func (s *suite) waitAllInterest(t testing.TB) {
	s.waitInterest(t, "netman.all", s.live())
	for _, k := range []string{"u alice", "u carol", "u bob", "u dave", "r lobby"} {
		kind, name := k[:1], k[2:]
		var interested []*node
		for _, n := range s.live() {
			if n.c.Has(kind, name) {
				interested = append(interested, n)
			}
		}
		s.waitInterest(t, s.nodes[0].c.Subject(kind, name), interested)
	}
}

func (s *suite) delivery(t *testing.T) {
	n0, n1, n2 := s.nodes[0], s.nodes[1], s.nodes[2]
	const n = 50
	// To a user with a connection on two nodes, from a third.
	sendSeq(t, "user", n, func(p []byte) error { return n2.c.SendToUser("alice", msgData, p) })
	expectSeq(t, s.a0, "user", n, false)
	expectSeq(t, s.a1, "user", n, false)
	// To a room spread over three nodes, binary then text.
	sendSeq(t, "room", n, func(p []byte) error { return n1.c.Publish("lobby", msgData, p) })
	sendSeq(t, "text", n, func(p []byte) error { return n1.c.PublishText("lobby", msgData, p) })
	for _, r := range []receiver{s.a0, s.c1, s.b2} {
		expectSeq(t, r, "room", n, false)
		expectSeq(t, r, "text", n, false)
	}
	expectSeq(t, s.w0, "room", n, false)
	expectSeq(t, s.w0, "text", n, true)
	// To everyone.
	sendSeq(t, "all", n, func(p []byte) error { return n0.c.Broadcast(msgData, p) })
	for _, r := range []receiver{s.a0, s.a1, s.c1, s.b2, s.w0} {
		expectSeq(t, r, "all", n, false)
	}
	s.fence(t)
	// user 2x51, room 4x51, text 4x51, all 5x51, fence 5. A node counts a
	// delivery once SendMany returns, which can be after the client read it.
	want := uint64((2+4+4+5)*(n+1) + 5)
	delivered := func() (sum uint64) {
		for _, nd := range s.nodes {
			sum += nd.c.Stats().Delivered
		}
		return sum
	}
	waitFor(t, "the delivery counters", func() bool { return delivered() >= want })
	if got := delivered(); got != want {
		t.Errorf("delivered %d in all, want %d (each message exactly once)", got, want)
	}
	for _, nd := range s.nodes {
		if st := nd.c.Stats(); st.Malformed != 0 || st.Dropped != 0 || st.Refused != 0 {
			t.Errorf("%s: %+v: want no malformed, dropped or refused messages", nd.name, st)
		}
	}
}

// fence sends every client one last message through its user and checks
// that it is the next thing each reads: nothing else was delivered.
func (s *suite) fence(t *testing.T) {
	from := s.live()[0].c
	for _, u := range []string{"alice", "carol", "bob", "dave"} {
		if err := from.SendToUser(u, msgData, []byte("fence end")); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range s.receivers() {
		expectSeq(t, r, "fence", 0, false)
	}
}

// receivers are the clients still connected to live nodes.
func (s *suite) receivers() []receiver {
	out := []receiver{s.a0, s.w0}
	if !s.nodes[1].down {
		out = append(out, s.a1)
		if !s.c1.closed {
			out = append(out, s.c1)
		}
	}
	if !s.nodes[2].down {
		out = append(out, s.b2)
	}
	return out
}

func (s *suite) presence(t *testing.T) {
	for _, tc := range []struct {
		user string
		want int
	}{{"alice", 2}, {"bob", 1}, {"dave", 1}, {"nobody", 0}} {
		for _, n := range s.nodes {
			p := presence(t, n, tc.user)
			if p.Connections != tc.want || p.Nodes != 3 || p.Online() != (tc.want > 0) {
				t.Errorf("%s asked for %s: %+v, want %d connections from 3 nodes", n.name, tc.user, p, tc.want)
			}
		}
	}
	p, err := s.nodes[1].c.RoomPresence(context.Background(), "lobby")
	if err != nil || p.Connections != 4 || p.Nodes != 3 {
		t.Errorf("lobby: %+v %v, want 4 members on 3 nodes", p, err)
	}
}

func (s *suite) closedLeaves(t *testing.T) {
	s.c1.Close()
	s.c1.closed = true
	waitFor(t, "carol to be offline", func() bool { return presence(t, s.nodes[0], "carol").Connections == 0 })
	p, err := s.nodes[2].c.RoomPresence(context.Background(), "lobby")
	if err != nil || p.Connections != 3 {
		t.Fatalf("lobby after carol's close: %+v %v, want 3 members", p, err)
	}
	if st := s.nodes[1].c.Stats(); st.Conns != 1 || st.Users != 1 {
		t.Fatalf("n1 after carol's close: %+v, want 1 connection of 1 user", st)
	}
	// The room still works for the others, and carol's close reached no one.
	sendSeq(t, "after-close", 10, func(p []byte) error { return s.nodes[1].c.Publish("lobby", msgData, p) })
	for _, r := range []receiver{s.a0, s.b2, s.w0} {
		expectSeq(t, r, "after-close", 10, false)
	}
	s.fence(t)
}

// natsRestart stops a NATS server and starts it again; the nodes
// reconnect by themselves and deliver again.
func (s *suite) natsRestart(t *testing.T) {
	if s.ext != nil {
		s.ext.stop()
		waitFor(t, "the nodes to see NATS down", func() bool {
			for _, n := range s.nodes {
				if n.c.NATS().IsConnected() {
					return false
				}
			}
			return true
		})
		// Meanwhile sends are buffered, up to the bound, then refused.
		var err error
		big := make([]byte, 1024)
		for i := 0; i < 1000 && err == nil; i++ {
			err = s.nodes[0].c.Broadcast(msgData, big)
		}
		if !errors.Is(err, cluster.ErrReconnecting) {
			t.Fatalf("broadcast while NATS is down, past the reconnect buffer: %v, want ErrReconnecting", err)
		}
		s.ext.start()
	} else {
		// Node 2's server: its client moves to another server of the
		// NATS cluster meanwhile, and node 2 is the one killed later, so
		// the other nodes' clients stay on their own servers.
		n2 := s.nodes[2]
		n2.ns.Shutdown()
		n2.ns.WaitForShutdown()
		ns, err := newEmbedded(routedOptions(2, s.routeURL))
		if err != nil {
			t.Fatal(err)
		}
		n2.ns = ns
		s.waitRoutes(t)
	}
	waitFor(t, "the nodes to reconnect", func() bool {
		for _, n := range s.nodes {
			if !n.c.NATS().IsConnected() {
				return false
			}
		}
		return true
	})
	for _, n := range s.nodes {
		if err := n.c.NATS().Flush(); err != nil { // subscriptions are restored before this returns
			t.Fatal(err)
		}
	}
	s.waitAllInterest(t)
	// Clear what the buffered broadcasts delivered after the reconnect.
	if s.ext != nil {
		s.drainBroadcasts(t)
	}
	sendSeq(t, "again", 20, func(p []byte) error { return s.nodes[2].c.SendToUser("alice", msgData, p) })
	expectSeq(t, s.a0, "again", 20, false)
	expectSeq(t, s.a1, "again", 20, false)
	sendSeq(t, "room-again", 20, func(p []byte) error { return s.nodes[1].c.Publish("lobby", msgData, p) })
	for _, r := range []receiver{s.a0, s.b2, s.w0} {
		expectSeq(t, r, "room-again", 20, false)
	}
	s.fence(t)
}

// drainBroadcasts reads, on every client, the broadcasts that were
// buffered during the outage (at most once each) up to a marker.
func (s *suite) drainBroadcasts(t *testing.T) {
	if err := s.nodes[0].c.Broadcast(msgData, []byte("drained end")); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.receivers() {
		for {
			if p, _ := r.next(); p == "drained end" {
				break
			}
		}
	}
}

// nodeKilled kills node 2 in the middle of a room's traffic: the members on
// the other nodes get every message, and presence drops node 2's users.
func (s *suite) nodeKilled(t *testing.T) {
	s.a1.do(msgJoin, "lobby")
	s.waitInterest(t, s.nodes[0].c.Subject("r", "lobby"), s.live())
	const n = 200
	for i := 0; i <= n; i++ {
		if i == n/2 {
			s.nodes[2].kill()
		}
		p := fmt.Sprintf("kill %d", i)
		if i == n {
			p = "kill end"
		}
		if err := s.nodes[0].c.Publish("lobby", msgData, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []receiver{s.a0, s.a1, s.w0} {
		expectSeq(t, r, "kill", n, false)
	}
	for _, n := range s.live() {
		if p := presence(t, n, "bob"); p.Connections != 0 || p.Nodes != 2 {
			t.Errorf("%s asked for bob after his node died: %+v, want 0 connections from 2 nodes", n.name, p)
		}
		if p := presence(t, n, "alice"); p.Connections != 2 || p.Nodes != 2 {
			t.Errorf("%s asked for alice: %+v, want 2 connections from 2 nodes", n.name, p)
		}
	}
	if err := s.nodes[0].c.SendToUser("bob", msgData, []byte("lost")); err != nil {
		t.Fatalf("send to a user with no node: %v, want nil (at-most-once)", err)
	}
	s.fence(t)
}
