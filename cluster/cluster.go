package cluster

import (
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/netman-go/netman/netman/iface"
	netman "github.com/netman-go/netman/netman/server"
	"github.com/rs/zerolog"
)

// Cluster is one node of a service made of netman servers on many
// machines. Its methods are safe from any goroutine.
type Cluster struct {
	opts options
	srvs []*netman.Server
	ns   *server.Server // embedded NATS server, nil with WithNATS
	nc   *nats.Conn

	in   chan *nats.Msg // every subscription's messages, bounded (WithQueueLen)
	wake chan struct{}  // unsubscriptions are waiting
	done chan struct{}
	wg   sync.WaitGroup

	closed atomic.Bool

	mu      sync.Mutex
	members map[iface.IConnect]*member
	users   map[string][]iface.IConnect
	rooms   map[string][]iface.IConnect
	subs    map[string]*subscription
	unsubs  []string             // subjects whose last member left; the dispatcher unsubscribes them
	gone    uint64               // slow-consumer drops of subscriptions since removed
	fixed   []*nats.Subscription // broadcast and presence

	received  atomic.Uint64
	delivered atomic.Uint64
	malformed atomic.Uint64
	sampled   zerolog.Logger
}

// member is what the cluster knows of one local connection.
type member struct {
	srv   int // index in Cluster.srvs
	user  string
	rooms []string
}

// subscription is one NATS subscription shared by the members whose user
// or room maps to its subject.
type subscription struct {
	refs int
	sub  *nats.Subscription
}

// New makes srv (and the servers of WithServers) a node of a cluster. With
// no options it starts an embedded NATS server on a free port of
// 127.0.0.1, so one machine needs nothing else; WithEmbeddedNATS clusters
// the embedded servers of several nodes by routes, and WithNATS uses an
// external NATS cluster instead. New returns once the node is connected.
func New(srv *netman.Server, opts ...Option) (*Cluster, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	c := &Cluster{
		opts:    o,
		srvs:    append([]*netman.Server{srv}, o.servers...),
		in:      make(chan *nats.Msg, o.queueLen),
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
		members: make(map[iface.IConnect]*member),
		users:   make(map[string][]iface.IConnect),
		rooms:   make(map[string][]iface.IConnect),
		subs:    make(map[string]*subscription),
		sampled: o.log.Sample(&zerolog.BurstSampler{Burst: 5, Period: time.Second}),
	}
	urls := o.urls
	if len(urls) == 0 {
		ns, err := startEmbedded(o.embedded)
		if err != nil {
			return nil, err
		}
		c.ns = ns
		urls = []string{ns.ClientURL()}
	}
	if err := c.connect(urls); err != nil {
		c.shutdownEmbedded()
		return nil, err
	}
	for _, subj := range []string{c.subjectAll(), c.subjectPresence()} {
		s, err := c.nc.ChanSubscribe(subj, c.in)
		if err != nil {
			c.nc.Close()
			c.shutdownEmbedded()
			return nil, fmt.Errorf("cluster: subscribe %s: %w", subj, err)
		}
		c.fixed = append(c.fixed, s)
	}
	if err := c.nc.Flush(); err != nil {
		c.nc.Close()
		c.shutdownEmbedded()
		return nil, fmt.Errorf("cluster: NATS: %w", err)
	}
	for _, s := range c.srvs {
		s.OnConnClose(c.connClosed)
	}
	c.wg.Add(1)
	go c.run()
	return c, nil
}

// Close leaves the cluster: the node's subscriptions end, the NATS
// connection closes, and so does the embedded server. Bound connections
// stay open. Close is idempotent.
func (c *Cluster) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	c.nc.Close()
	close(c.done)
	c.wg.Wait()
	c.shutdownEmbedded()
	return nil
}

// NATS returns the node's NATS connection (for stats, or to publish
// something of the application's own).
func (c *Cluster) NATS() *nats.Conn { return c.nc }

// Bind makes conn a connection of userID: SendToUser(userID, ...) reaches
// it, on whichever node it is. A connection has one user; binding it again
// to another user unbinds it from the first. When conn closes it is
// unbound by itself. When the binding needs a new NATS subscription, Bind
// returns once the node's NATS server has it, so what is sent after Bind
// returns reaches conn (the other servers of a NATS cluster learn it over
// their routes a moment later).
func (c *Cluster) Bind(conn iface.IConnect, userID string) error {
	return c.add(conn, kindUser, userID)
}

// Unbind ends conn's binding to its user, if any.
func (c *Cluster) Unbind(conn iface.IConnect) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m := c.members[conn]; m != nil && m.user != "" {
		c.removeLocked(c.users, kindUser, m.user, conn)
		m.user = ""
		c.forgetIfEmptyLocked(conn, m)
	}
}

// Join makes conn a member of room: Publish(room, ...) reaches it, on
// whichever node it is. When conn closes it leaves its rooms by itself.
// Like Bind, it waits for a new subscription to reach the NATS server.
func (c *Cluster) Join(conn iface.IConnect, room string) error {
	return c.add(conn, kindRoom, room)
}

// Leave takes conn out of room, if it is a member.
func (c *Cluster) Leave(conn iface.IConnect, room string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.members[conn]
	if m == nil {
		return
	}
	for i, r := range m.rooms {
		if r == room {
			m.rooms = deleteAt(m.rooms, i)
			c.removeLocked(c.rooms, kindRoom, room, conn)
			c.forgetIfEmptyLocked(conn, m)
			return
		}
	}
}

// User returns the user conn is bound to on this node.
func (c *Cluster) User(conn iface.IConnect) (userID string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m := c.members[conn]; m != nil && m.user != "" {
		return m.user, true
	}
	return "", false
}

// Rooms returns the rooms conn has joined (a copy).
func (c *Cluster) Rooms(conn iface.IConnect) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m := c.members[conn]; m != nil {
		return append([]string(nil), m.rooms...)
	}
	return nil
}

func (c *Cluster) add(conn iface.IConnect, kind byte, name string) error {
	if name == "" {
		return ErrEmptyName
	}
	si := c.serverOf(conn)
	if si < 0 {
		return ErrForeignConn
	}
	c.mu.Lock()
	created, err := c.addLocked(conn, si, kind, name)
	c.mu.Unlock()
	if err != nil || !created {
		return err
	}
	// A new subscription: wait until the node's NATS server has it, so a
	// message published after Bind or Join returns reaches conn (other
	// servers of a NATS cluster learn the interest shortly after). When
	// NATS is down, the subscription is sent on reconnect.
	if err := c.nc.FlushTimeout(5 * time.Second); errors.Is(err, nats.ErrConnectionClosed) {
		return ErrClosed
	}
	return nil
}

func (c *Cluster) addLocked(conn iface.IConnect, si int, kind byte, name string) (created bool, err error) {
	if c.closed.Load() {
		return false, ErrClosed
	}
	// A connection's close flag is set before its OnConnClose runs, and
	// connClosed takes c.mu: either we see the flag here, or connClosed
	// runs after us and removes what we add.
	if conn.IsClosed() {
		return false, ErrConnClosed
	}
	m := c.members[conn]
	if kind == kindUser && m != nil && m.user == name {
		return false, nil
	}
	if kind == kindRoom && m != nil {
		for _, r := range m.rooms {
			if r == name {
				return false, nil
			}
		}
	}
	if created, err = c.refLocked(c.subject(kind, name)); err != nil {
		return false, err
	}
	if m == nil {
		m = &member{srv: si}
		c.members[conn] = m
	}
	if kind == kindUser {
		if m.user != "" {
			c.removeLocked(c.users, kindUser, m.user, conn)
		}
		m.user = name
		c.users[name] = append(c.users[name], conn)
		return created, nil
	}
	m.rooms = append(m.rooms, name)
	c.rooms[name] = append(c.rooms[name], conn)
	return created, nil
}

// connClosed forgets a closed connection; it runs on the connection's
// event loop (netman's OnConnClose), so it does no NATS I/O: emptied
// subjects are unsubscribed by the dispatcher.
func (c *Cluster) connClosed(conn iface.IConnect) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.members[conn]
	if m == nil {
		return
	}
	if m.user != "" {
		c.removeLocked(c.users, kindUser, m.user, conn)
	}
	for _, r := range m.rooms {
		c.removeLocked(c.rooms, kindRoom, r, conn)
	}
	delete(c.members, conn)
}

func (c *Cluster) forgetIfEmptyLocked(conn iface.IConnect, m *member) {
	if m.user == "" && len(m.rooms) == 0 {
		delete(c.members, conn)
	}
}

// removeLocked takes conn out of the group name of set and drops the
// subject's reference.
func (c *Cluster) removeLocked(set map[string][]iface.IConnect, kind byte, name string, conn iface.IConnect) {
	g := set[name]
	for i, x := range g {
		if x == conn {
			g = deleteAt(g, i)
			break
		}
	}
	if len(g) == 0 {
		delete(set, name)
	} else {
		set[name] = g
	}
	c.unrefLocked(c.subject(kind, name))
}

func deleteAt[T any](s []T, i int) []T {
	last := len(s) - 1
	s[i] = s[last]
	var zero T
	s[last] = zero
	return s[:last]
}

// refLocked takes a reference to subj, subscribing if it is new (or was
// about to be unsubscribed and is not any more: then it is not new).
func (c *Cluster) refLocked(subj string) (created bool, err error) {
	if e := c.subs[subj]; e != nil {
		e.refs++
		return false, nil
	}
	s, err := c.nc.ChanSubscribe(subj, c.in)
	if err != nil {
		if errors.Is(err, nats.ErrConnectionClosed) {
			return false, ErrClosed
		}
		return false, fmt.Errorf("cluster: subscribe %s: %w", subj, err)
	}
	c.subs[subj] = &subscription{refs: 1, sub: s}
	return true, nil
}

func (c *Cluster) unrefLocked(subj string) {
	e := c.subs[subj]
	if e == nil {
		return
	}
	if e.refs--; e.refs == 0 {
		c.unsubs = append(c.unsubs, subj)
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

// flushUnsubs unsubscribes the subjects no member needs any more (unless
// one came back meanwhile).
func (c *Cluster) flushUnsubs() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, subj := range c.unsubs {
		e := c.subs[subj]
		if e == nil || e.refs > 0 {
			continue
		}
		if n, err := e.sub.Dropped(); err == nil {
			c.gone += uint64(n)
		}
		_ = e.sub.Unsubscribe()
		delete(c.subs, subj)
	}
	c.unsubs = c.unsubs[:0]
}

// serverOf returns the index of conn's server, or -1.
func (c *Cluster) serverOf(conn iface.IConnect) int {
	mgr := conn.GetConnectMgr()
	for i, s := range c.srvs {
		if s.GetConnectMgr() == mgr {
			return i
		}
	}
	return -1
}

// Subjects: <prefix>.u.<token>, <prefix>.r.<token>, <prefix>.all and
// <prefix>.presence. A token is a bucket number (WithBuckets) or the name
// in unpadded base64url, which never holds a NATS token separator or
// wildcard.
func (c *Cluster) subject(kind byte, name string) string {
	var tok string
	if n := c.opts.buckets; n > 0 {
		h := fnv.New32a()
		h.Write([]byte(name))
		tok = strconv.FormatUint(uint64(h.Sum32()%uint32(n)), 10)
	} else {
		tok = base64.RawURLEncoding.EncodeToString([]byte(name))
	}
	return c.opts.prefix + "." + string(kind) + "." + tok
}

func (c *Cluster) subjectAll() string      { return c.opts.prefix + ".all" }
func (c *Cluster) subjectPresence() string { return c.opts.prefix + ".presence" }
