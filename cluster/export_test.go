package cluster

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
