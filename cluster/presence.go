package cluster

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/nats-io/nats.go"
)

// Presence is what the live nodes answered to a presence query.
type Presence struct {
	// Connections is the user's connections (or the room's members) summed
	// over the nodes that answered.
	Connections int
	// Nodes is how many nodes answered before the deadline.
	Nodes int
}

// Online reports whether the user (or room) has a connection anywhere.
func (p Presence) Online() bool { return p.Connections > 0 }

// UserPresence asks every node how many connections userID has there. It
// waits for answers until ctx's deadline or WithPresenceTimeout, whichever
// comes first: nodes are not registered anywhere, so every live node
// answers and a dead one simply does not, and its users drop out.
func (c *Cluster) UserPresence(ctx context.Context, userID string) (Presence, error) {
	return c.presence(ctx, kindUser, userID)
}

// RoomPresence asks every node how many members room has there, as
// UserPresence does.
func (c *Cluster) RoomPresence(ctx context.Context, room string) (Presence, error) {
	return c.presence(ctx, kindRoom, room)
}

// maxPresenceReplies bounds the answers one query takes in (one per node).
const maxPresenceReplies = 1024

func (c *Cluster) presence(ctx context.Context, kind byte, name string) (Presence, error) {
	if name == "" {
		return Presence{}, ErrEmptyName
	}
	if c.closed.Load() {
		return Presence{}, ErrClosed
	}
	inbox := c.nc.NewInbox()
	replies := make(chan *nats.Msg, maxPresenceReplies)
	sub, err := c.nc.ChanSubscribe(inbox, replies)
	if err != nil {
		return Presence{}, natsError(err)
	}
	defer sub.Unsubscribe()
	q := append([]byte{wireVersion, kind}, name...)
	if err := c.nc.PublishRequest(c.subjectPresence(), inbox, q); err != nil {
		return Presence{}, natsError(err)
	}
	timer := time.NewTimer(c.opts.presenceTimeout)
	defer timer.Stop()
	var p Presence
	for {
		select {
		case m := <-replies:
			if n, ok := decodeCount(m.Data); ok {
				p.Connections += n
				p.Nodes++
			} else {
				c.malformed.Add(1)
			}
		case <-timer.C:
			return p, nil
		case <-ctx.Done():
			return p, ctx.Err()
		}
	}
}

// answerPresence answers a query with this node's count; on the
// dispatcher.
func (c *Cluster) answerPresence(m *nats.Msg) {
	if len(m.Data) < 2 || m.Data[0] != wireVersion || m.Reply == "" ||
		(m.Data[1] != kindUser && m.Data[1] != kindRoom) {
		c.malformed.Add(1)
		return
	}
	set := c.users
	if m.Data[1] == kindRoom {
		set = c.rooms
	}
	c.mu.Lock()
	n := len(set[string(m.Data[2:])])
	c.mu.Unlock()
	_ = m.Respond(binary.AppendUvarint([]byte{wireVersion}, uint64(n)))
}

func decodeCount(b []byte) (int, bool) {
	if len(b) < 2 || b[0] != wireVersion {
		return 0, false
	}
	n, w := binary.Uvarint(b[1:])
	if w <= 0 || w != len(b)-1 || n > 1<<31 {
		return 0, false
	}
	return int(n), true
}
