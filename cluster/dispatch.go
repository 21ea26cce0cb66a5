package cluster

import (
	"errors"

	"github.com/nats-io/nats.go"
	"github.com/netman-go/netman/netman/iface"
	netman "github.com/netman-go/netman/netman/server"
)

// run is the node's one dispatcher goroutine: it takes the messages of
// every subscription from one bounded channel, in the order NATS delivered
// them, and hands each to the local connections with one SendMany per
// server, so the message is encoded once for all of them. Sends never
// block, so one goroutine keeps up; a connection that does not read has
// its sends refused (counted by its server), it does not hold the others.
func (c *Cluster) run() {
	defer c.wg.Done()
	scratch := make([][]iface.IConnect, len(c.srvs))
	for {
		select {
		case m := <-c.in:
			c.handle(m, scratch)
		case <-c.wake:
			c.flushUnsubs()
		case <-c.done:
			return
		}
	}
}

func (c *Cluster) handle(m *nats.Msg, scratch [][]iface.IConnect) {
	c.received.Add(1)
	if m.Subject == c.subjectPresence() {
		c.answerPresence(m)
		return
	}
	e, err := decode(m.Data)
	if err != nil {
		n := c.malformed.Add(1)
		c.sampled.Warn().Str("subject", m.Subject).Int("bytes", len(m.Data)).Uint64("malformed_total", n).
			Msg("malformed bus message dropped")
		return
	}
	if e.kind == kindBroadcast {
		for _, s := range c.srvs {
			c.sendMany(s, s.GetConnectMgr().GetConnects(), e)
		}
		return
	}
	set := c.users
	if e.kind == kindRoom {
		set = c.rooms
	}
	for i := range scratch {
		scratch[i] = scratch[i][:0]
	}
	c.mu.Lock()
	for _, conn := range set[e.key] {
		i := 0
		if len(scratch) > 1 {
			i = c.members[conn].srv
		}
		scratch[i] = append(scratch[i], conn)
	}
	c.mu.Unlock()
	for i, conns := range scratch {
		if len(conns) > 0 {
			c.sendMany(c.srvs[i], conns, e)
		}
		clear(conns) // no stale references kept in the scratch slices
	}
}

// sendMany delivers e to conns of s, encoded once.
func (c *Cluster) sendMany(s *netman.Server, conns []iface.IConnect, e envelope) {
	var sent int
	var err error
	if e.text {
		sent, err = s.TextMany(conns, e.data)
		if errors.Is(err, netman.ErrNotWebsocket) {
			sent, err = s.SendMany(conns, e.msgID, e.data)
		}
	} else {
		sent, err = s.SendMany(conns, e.msgID, e.data)
	}
	c.delivered.Add(uint64(sent))
	if err != nil {
		c.sampled.Warn().Err(err).Uint32("msg_id", e.msgID).Msg("message not deliverable to local connections")
	}
}

// Stats are a node's counters.
type Stats struct {
	Received      uint64 // messages taken from NATS (presence queries included)
	Delivered     uint64 // deliveries to local connections
	Malformed     uint64 // bus messages dropped because they could not be decoded
	Dropped       uint64 // messages NATS dropped because the node's queue was full (slow consumer)
	Refused       uint64 // sends the node's servers refused (write queue full), see netman's SendRefused
	Subscriptions int    // user and room subjects subscribed
	Users         int    // users with a connection on this node
	Rooms         int    // rooms with a member on this node
	Conns         int    // connections bound or joined
}

// Stats returns the node's counters.
func (c *Cluster) Stats() Stats {
	st := Stats{
		Received:  c.received.Load(),
		Delivered: c.delivered.Load(),
		Malformed: c.malformed.Load(),
	}
	for _, s := range c.srvs {
		st.Refused += s.SendRefused()
	}
	c.mu.Lock()
	st.Dropped = c.gone
	for _, e := range c.subs {
		if n, err := e.sub.Dropped(); err == nil {
			st.Dropped += uint64(n)
		}
	}
	for _, s := range c.fixed {
		if n, err := s.Dropped(); err == nil {
			st.Dropped += uint64(n)
		}
	}
	st.Subscriptions = len(c.subs)
	st.Users, st.Rooms, st.Conns = len(c.users), len(c.rooms), len(c.members)
	c.mu.Unlock()
	return st
}
