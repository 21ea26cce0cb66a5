package examples

import (
	"fmt"
	"strings"
	"testing"
)

// TestClusterExample runs examples/cluster (three nodes, one command) and a
// client on each node: every client reads what each of the three says.
func TestClusterExample(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	nodes := run(t, build(t, "cluster"), "-port", "0")
	nodes.waitLine(t, "three nodes up")
	addrs := map[int]string{}
	for _, l := range strings.Split(nodes.output(), "\n") {
		var i int
		var addr string
		if n, _ := fmt.Sscanf(l, "node %d listening on %s", &i, &addr); n == 2 {
			addrs[i] = addr
		}
	}
	if len(addrs) != 3 {
		t.Fatalf("node addresses: %v", addrs)
	}
	client := build(t, "cluster/client")
	names := []string{"ann", "bob", "cid"}
	clients := make([]*proc, 3)
	for i, name := range names {
		clients[i] = run(t, client, "-addr", addrs[i], "-name", name, "-say", "hi from "+name, "-every", "200ms")
	}
	for _, c := range clients {
		for i, name := range names {
			c.waitLine(t, fmt.Sprintf("%s@node%d: hi from %s", name, i, name))
		}
	}
}
