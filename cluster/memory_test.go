package cluster_test

import (
	"net"
	"net/url"
	"runtime"
	"strconv"
	"testing"

	"github.com/netman-go/netman/cluster"
	"github.com/netman-go/netman/netman/iface"
)

// boundConn stands for an open connection of the node's server: the
// cluster's cost is measured on top of it (10,000 real connections and
// their clients would pass this machine's open-file limit in one process).
type boundConn struct {
	id  int
	mgr iface.IConnectManager
}

func (c *boundConn) GetID() int                           { return c.id }
func (c *boundConn) Send(uint32, []byte) (int, error)     { return 0, nil }
func (c *boundConn) Text([]byte) (int, error)             { return 0, nil }
func (c *boundConn) Binary([]byte) (int, error)           { return 0, nil }
func (c *boundConn) Close() error                         { return nil }
func (c *boundConn) CloseWithCode(int, string) error      { return nil }
func (c *boundConn) GetConnectMgr() iface.IConnectManager { return c.mgr }
func (c *boundConn) RemoteAddr() net.Addr                 { return nil }
func (c *boundConn) LocalAddr() net.Addr                  { return nil }
func (c *boundConn) Query() url.Values                    { return nil }
func (c *boundConn) IsClosed() bool                       { return false }

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
	n := startNode(t, "mem", opts...)
	conns := make([]iface.IConnect, users)
	names := make([]string, users)
	for i := range conns {
		conns[i] = &boundConn{id: i, mgr: n.tcp.GetConnectMgr()}
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
