package cluster

import "github.com/netman-go/netman/netman/iface"

// Subject returns the NATS subject of a user ("u") or room ("r"), for the
// tests that wait until NATS routes carry a node's interest.
func (c *Cluster) Subject(kind, name string) string { return c.subject(kind[0], name) }

// Has reports whether this node has a connection of the user ("u") or a
// member of the room ("r").
func (c *Cluster) Has(kind, name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if kind == "u" {
		return len(c.users[name]) > 0
	}
	return len(c.rooms[name]) > 0
}

// NewIdleConn returns a stand-in for an open connection of the server
// whose manager is mgr: it takes every message and sends nothing.
func NewIdleConn(id int, mgr iface.IConnectManager) iface.IConnect {
	return &idleConn{id: id, mgr: mgr}
}
