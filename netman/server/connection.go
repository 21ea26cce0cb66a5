package server

import (
	"errors"
	"net"
	"net/url"
	"sync"
	"sync/atomic"

	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netman/internal/dispatch"
)

var (
	// ErrNotWebsocket is returned by Text and Binary on a TCP connection.
	ErrNotWebsocket = errors.New("netman: not a websocket connection")
	// ErrConnClosed is returned when sending on a closed connection.
	ErrConnClosed = errors.New("netman: connection closed")
)

// connection is one client: it implements iface.IConnect. It is the first
// field of the struct its protocol allocates (tcpConn, wsConn), which holds
// the protocol's reading state; that state belongs to the event loop, the
// inbox to the dispatcher.
type connection struct {
	id    int
	srv   *Server
	t     transport
	flags atomic.Uint32
	slot  int32 // index in the manager's slice; guarded by the manager's lock
	inbox dispatch.Inbox[*connection, *request]
	// No more fields: at 80 bytes, a wsConn (this, its codec and one
	// pointer) fits the 144-byte size class, and a tcpConn the 96-byte one.
}

// Connection flags, read without locks.
const (
	flagClosed    uint32 = 1 << iota
	flagInHandler        // one of its jobs runs on a worker now: its writes may wait for room
	flagUpgraded         // WebSocket: the upgrade succeeded and Open was queued
)

func (c *connection) has(f uint32) bool { return c.flags.Load()&f != 0 }
func (c *connection) set(f uint32)      { c.flags.Or(f) }
func (c *connection) clearInHandler()   { c.flags.And(^flagInHandler) }

// Inbox returns the connection's dispatch inbox.
func (c *connection) Inbox() *dispatch.Inbox[*connection, *request] { return &c.inbox }

var _ iface.IConnect = (*connection)(nil)

// GetID returns the connection's id, never reused while the server runs.
func (c *connection) GetID() int { return c.id }

// Send writes one message with the server's packer (on a WebSocket
// server, a binary message).
// A message that does not fit the connection's write queue follows the
// server's write policy (see WithWriteWait): it fails with
// ErrWriteQueueFull, is counted and logged.
func (c *connection) Send(msgID uint32, data []byte) (int, error) {
	n, err := c.srv.proto.send(c, msgID, data)
	if err != nil && errors.Is(err, ErrWriteQueueFull) {
		return c.srv.overflow(c, func() (int, error) { return c.srv.proto.send(c, msgID, data) })
	}
	return n, err
}

// Text sends a WebSocket text message, with Send's write policy.
func (c *connection) Text(data []byte) (int, error) {
	n, err := c.srv.proto.text(c, data)
	if err != nil && errors.Is(err, ErrWriteQueueFull) {
		return c.srv.overflow(c, func() (int, error) { return c.srv.proto.text(c, data) })
	}
	return n, err
}

// Binary sends a WebSocket binary message, with Send's write policy.
func (c *connection) Binary(data []byte) (int, error) {
	n, err := c.srv.proto.binary(c, data)
	if err != nil && errors.Is(err, ErrWriteQueueFull) {
		return c.srv.overflow(c, func() (int, error) { return c.srv.proto.binary(c, data) })
	}
	return n, err
}

// Close closes the connection once what was sent is flushed (on a
// WebSocket, after a close frame with code 1000).
func (c *connection) Close() error { return c.srv.proto.closeConn(c, 1000, "") }

// CloseWithCode closes a WebSocket connection with a close frame; on TCP
// it is Close.
func (c *connection) CloseWithCode(code int, reason string) error {
	return c.srv.proto.closeConn(c, code, reason)
}

// GetConnectMgr returns the server's connection manager.
func (c *connection) GetConnectMgr() iface.IConnectManager { return &c.srv.conns }

// RemoteAddr returns the client's address.
func (c *connection) RemoteAddr() net.Addr { return c.t.RemoteAddr() }

// LocalAddr returns the local address.
func (c *connection) LocalAddr() net.Addr { return c.t.LocalAddr() }

// Query returns the WebSocket upgrade's query parameters, nil on TCP.
func (c *connection) Query() url.Values { return c.srv.proto.query(c) }

// IsClosed reports whether the connection is closed.
func (c *connection) IsClosed() bool { return c.has(flagClosed) }

// manager is the server's registry of open connections: a slice in which
// each connection knows its index, so adding and removing are O(1) and an
// idle connection costs one pointer (a map costs three to four times that).
type manager struct {
	mu     sync.RWMutex
	chunks []*[mgrChunk]*connection // the open connections, dense: slot i is chunks[i/mgrChunk][i%mgrChunk]
	n      int
}

// mgrChunk is how many connections one chunk of the manager holds. The
// manager grows a chunk at a time and never copies: a slice that grew by
// append would leave its earlier arrays to the collector, about three
// times the final array at append's growth rate for large slices, and a
// server that accepts a burst and goes idle keeps that garbage resident.
const mgrChunk = 1024

var _ iface.IConnectManager = (*manager)(nil)

func (m *manager) at(i int) **connection { return &m.chunks[i/mgrChunk][i%mgrChunk] }

func (m *manager) add(c *connection) {
	m.mu.Lock()
	if m.n == len(m.chunks)*mgrChunk {
		m.chunks = append(m.chunks, new([mgrChunk]*connection))
	}
	c.slot = int32(m.n)
	*m.at(m.n) = c
	m.n++
	m.mu.Unlock()
}

func (m *manager) remove(c *connection) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := int(c.slot)
	if i < 0 || i >= m.n || *m.at(i) != c {
		return
	}
	last := m.n - 1
	moved := *m.at(last)
	*m.at(i) = moved
	moved.slot = int32(i)
	*m.at(last) = nil
	m.n = last
	c.slot = -1
	// Give a chunk back once a whole spare one is free behind the last in
	// use, so connections that come and go at a chunk boundary do not
	// allocate each time.
	if k := len(m.chunks); k >= 2 && m.n <= (k-2)*mgrChunk {
		m.chunks[k-1] = nil
		m.chunks = m.chunks[:k-1]
	}
}

// each calls f for every open connection; m.mu is held.
func (m *manager) each(f func(*connection)) {
	for i := 0; i < m.n; i++ {
		f(*m.at(i))
	}
}

// GetConnects returns a snapshot of the open connections.
func (m *manager) GetConnects() []iface.IConnect {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]iface.IConnect, 0, m.n)
	m.each(func(c *connection) { out = append(out, c) })
	return out
}

// Get returns the open connection with id, or nil. It scans the open
// connections: keep your own map if you look connections up by id often.
func (m *manager) Get(id int) iface.IConnect {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for i := 0; i < m.n; i++ {
		if c := *m.at(i); c.id == id {
			return c
		}
	}
	return nil
}

// Len returns the number of open connections.
func (m *manager) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.n
}
