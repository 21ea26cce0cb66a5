package cluster

import (
	"io"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/netman-go/netman/netman/iface"
	netman "github.com/netman-go/netman/netman/server"
	"github.com/rs/zerolog"
)

// idleConn stands for an open connection of a server (the one whose
// manager it holds) that takes every message and sends nothing anywhere.
type idleConn struct {
	id  int
	mgr iface.IConnectManager
}

func (c *idleConn) GetID() int                           { return c.id }
func (c *idleConn) Send(uint32, []byte) (int, error)     { return 0, nil }
func (c *idleConn) Text([]byte) (int, error)             { return 0, nil }
func (c *idleConn) Binary([]byte) (int, error)           { return 0, nil }
func (c *idleConn) Close() error                         { return nil }
func (c *idleConn) CloseWithCode(int, string) error      { return nil }
func (c *idleConn) GetConnectMgr() iface.IConnectManager { return c.mgr }
func (c *idleConn) RemoteAddr() net.Addr                 { return nil }
func (c *idleConn) LocalAddr() net.Addr                  { return nil }
func (c *idleConn) Query() url.Values                    { return nil }
func (c *idleConn) IsClosed() bool                       { return false }

// TestQueueBoundedDropsCounted: while the dispatcher cannot deliver, the
// node's queue holds WithQueueLen messages and NATS drops the rest (a slow
// consumer), which Stats counts; the node goes on afterwards.
func TestQueueBoundedDropsCounted(t *testing.T) {
	srv := netman.New("127.0.0.1", 0, netman.WithLogOutput(io.Discard))
	c, err := New(srv, WithQueueLen(4), WithLogger(zerolog.Nop()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Bind(&idleConn{id: 1, mgr: srv.GetConnectMgr()}, "u"); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock() // the dispatcher blocks on its first user message
	for i := 0; i < 50; i++ {
		if err := c.SendToUser("u", 1, []byte("x")); err != nil {
			c.mu.Unlock()
			t.Fatal(err)
		}
	}
	dropped := func() int {
		n, _ := c.subs[c.subject(kindUser, "u")].sub.Dropped()
		return n
	}
	deadline := time.Now().Add(20 * time.Second)
	for dropped() < 50-4-1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	got := dropped()
	c.mu.Unlock()
	if got != 50-4-1 {
		t.Fatalf("NATS dropped %d, want %d (50 sent, 4 queued, 1 taken by the dispatcher)", got, 50-4-1)
	}
	deadline = time.Now().Add(20 * time.Second)
	for c.Stats().Received < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if st := c.Stats(); st.Dropped != 45 || st.Received != 5 {
		t.Fatalf("%+v, want 45 dropped and 5 received", st)
	}
}
