package cluster_test

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/netman-go/netman/cluster"
	"github.com/netman-go/netman/netman/iface"
)

func heap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// bytesPerBoundUser binds users connections (one user each) on a node
// and returns the heap growth per user, NATS client and embedded server
// included.
func bytesPerBoundUser(t testing.TB, users int, opts ...cluster.Option) float64 {
	// The connections are stand-ins (cluster.NewIdleConn): 10,000 real
	// ones and their clients would pass this machine's open-file limit in
	// one process, and the cost measured is the cluster's, on top of them.
	n := startNode(t, "mem", opts...)
	conns := make([]iface.IConnect, users)
	names := make([]string, users)
	for i := range conns {
		conns[i] = cluster.NewIdleConn(i, n.tcp.GetConnectMgr())
		names[i] = "user-" + strconv.Itoa(1000000+i) // 12 bytes, as a short ID would be
	}
	before := heap()
	for i, c := range conns {
		if err := n.c.Bind(c, names[i]); err != nil {
			t.Fatal(err)
		}
	}
	after := heap()
	runtime.KeepAlive(conns)
	if st := n.c.Stats(); st.Users != users {
		t.Fatalf("%d users bound, want %d", st.Users, users)
	}
	return float64(after-before) / float64(users)
}

// TestBytesPerBoundUser: at 10,000 bound users a node spends under 300
// bytes per user (the target) on top of the connection, with the
// default buckets; with a subject per user it is logged for comparison.
func TestBytesPerBoundUser(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	const users = 10000
	got := bytesPerBoundUser(t, users)
	t.Logf("buckets=1024: %.0f bytes per bound user at %d users", got, users)
	if got >= 300 {
		t.Errorf("%.0f bytes per bound user, want < 300", got)
	}
	exact := bytesPerBoundUser(t, users, cluster.WithBuckets(0))
	t.Logf("a subject per user (WithBuckets(0)): %.0f bytes per bound user at %d users", exact, users)
}
