package server

import (
	"errors"
	"net"
	"net/url"
	"sync"
	"sync/atomic"

	"github.com/netman-go/netman/framing"
	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netman/internal/dispatch"
)

var (
	// ErrNotWebsocket is returned by Text and Binary on a TCP connection.
	ErrNotWebsocket = errors.New("netman: not a websocket connection")
	// ErrConnClosed is returned when sending on a closed connection.
	ErrConnClosed = errors.New("netman: connection closed")
)

// connection is one client: it implements iface.IConnect. Reading state
// (dec, ws's codec input) belongs to the event loop; the inbox to the
// dispatcher.
type connection struct {
	id    int
	srv   *Server
	t     transport
	dec   *framing.Decoder
	ws    *wsConn // the WebSocket state, on WebSocket servers
	flags atomic.Uint32
	slot  int32 // index in the manager's slice; guarded by the manager's lock
	inbox dispatch.Inbox[*connection, *request]
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
	mu    sync.RWMutex
	conns []*connection
}

var _ iface.IConnectManager = (*manager)(nil)

func (m *manager) add(c *connection) {
	m.mu.Lock()
	c.slot = int32(len(m.conns))
	m.conns = append(m.conns, c)
	m.mu.Unlock()
}

func (m *manager) remove(c *connection) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := int(c.slot)
	if i < 0 || i >= len(m.conns) || m.conns[i] != c {
		return
	}
	last := len(m.conns) - 1
	m.conns[i] = m.conns[last]
	m.conns[i].slot = int32(i)
	m.conns[last] = nil
	m.conns = m.conns[:last]
	c.slot = -1
	if cap(m.conns) > 1024 && len(m.conns) < cap(m.conns)/4 {
		m.conns = append([]*connection(nil), m.conns...) // give memory back after a mass disconnect
	}
}

// GetConnects returns a snapshot of the open connections.
func (m *manager) GetConnects() []iface.IConnect {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]iface.IConnect, len(m.conns))
	for i, c := range m.conns {
		out[i] = c
	}
	return out
}

// Get returns the open connection with id, or nil. It scans the open
// connections: keep your own map if you look connections up by id often.
func (m *manager) Get(id int) iface.IConnect {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, c := range m.conns {
		if c.id == id {
			return c
		}
	}
	return nil
}

// Len returns the number of open connections.
func (m *manager) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.conns)
}
