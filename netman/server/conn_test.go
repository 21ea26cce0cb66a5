package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netman/util"
)

// TestSeedClientLargeMessage is the seed's client: util.NewDataPacker,
// an 8-byte header read with io.ReadFull, UnPack, then the body; the
// message is 100 MiB and must come back intact.
func TestSeedClientLargeMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s, _ := newTest(t, WithMaxBodyLength(0))
	s.AddRouter(0, echoRoute)
	conn := connect(t, start(t, s))
	packer := util.NewDataPacker()
	body := bytes.Repeat([]byte("a"), 100<<20)
	body[12345] = 'b'
	bs, err := packer.Pack(0, body)
	if err != nil {
		t.Fatal(err)
	}
	go conn.Write(bs)

	header := make([]byte, 8)
	if _, err := io.ReadFull(conn, header); err != nil {
		t.Fatal(err)
	}
	message, err := packer.UnPack(header)
	if err != nil {
		t.Fatal(err)
	}
	dataBuff := make([]byte, message.Len())
	if _, err := io.ReadFull(conn, dataBuff); err != nil {
		t.Fatal(err)
	}
	message.SetData(dataBuff)
	if message.ID() != 0 || message.Len() != uint32(len(body)) || !bytes.Equal(message.Bytes(), body) {
		t.Fatalf("100 MiB echo differs: id %d len %d", message.ID(), message.Len())
	}
}

func TestMaxBodyLengthClosesOnlyThatConnection(t *testing.T) {
	s, logs := newTest(t, WithMaxBodyLength(1024))
	s.AddRouter(0, echoRoute)
	addr := start(t, s)
	good := connect(t, addr)
	bad := connect(t, addr)
	bad.send(0, make([]byte, 1025))
	bad.expectClosed()
	good.send(0, make([]byte, 1024))
	if _, p := good.recv(); len(p) != 1024 {
		t.Fatalf("good conn got %d bytes", len(p))
	}
	waitFor(t, "the log line", func() bool { return strings.Contains(logs.String(), "message too large") })
	if !strings.Contains(logs.String(), `"level":"warn"`) {
		t.Fatalf("expected a warning:\n%s", logs)
	}
}

func TestHeartbeatClosesSilentKeepsChatty(t *testing.T) {
	s, logs := newTest(t, WithHeartbeatCheckInterval(100*time.Millisecond), WithHeartbeatIdleTime(time.Second))
	s.AddRouter(0, echoRoute)
	addr := start(t, s)
	silent := connect(t, addr)
	chatty := connect(t, addr)
	stop := make(chan struct{})
	chattyDone := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				chattyDone <- nil
				return
			case <-time.After(50 * time.Millisecond):
			}
			if err := writeMsg(chatty, 0, "beat"); err != nil {
				chattyDone <- err
				return
			}
			if _, err := io.ReadFull(chatty, make([]byte, 8+4)); err != nil {
				chattyDone <- err
				return
			}
		}
	}()
	silent.expectClosed()
	time.Sleep(2 * time.Second) // two more idle periods for the chatty one
	close(stop)
	if err := <-chattyDone; err != nil {
		t.Fatalf("chatty connection failed: %v", err)
	}
	if !strings.Contains(logs.String(), "heartbeat timeout") {
		t.Fatalf("no heartbeat log line:\n%s", logs)
	}
}

func writeMsg(c *client, id uint32, s string) error {
	_, err := c.Write(pack(id, s))
	return err
}

// bigEndianPacker is a user's own IPacker: a 6-byte header with a 2-byte
// big-endian id, then a 4-byte big-endian length.
type bigEndianPacker struct{ max uint32 }

func (p *bigEndianPacker) Pack(id uint32, data []byte) ([]byte, error) {
	b := make([]byte, 6+len(data))
	binary.BigEndian.PutUint16(b, uint16(id))
	binary.BigEndian.PutUint32(b[2:], uint32(len(data)))
	copy(b[6:], data)
	return b, nil
}

func (p *bigEndianPacker) UnPack(h []byte) (iface.IMessage, error) {
	n := binary.BigEndian.Uint32(h[2:])
	if p.max > 0 && n > p.max {
		return nil, fmt.Errorf("body %d too long", n)
	}
	m := util.NewMessage(uint32(binary.BigEndian.Uint16(h)), nil)
	m.SetData(nil)
	return &lenMessage{Message: m, n: n}, nil
}

func (p *bigEndianPacker) SetMaxBodyLength(max uint32) { p.max = max }
func (p *bigEndianPacker) GetHeaderLength() uint32     { return 6 }

type lenMessage struct {
	*util.Message
	n uint32
}

func (m *lenMessage) Len() uint32 { return m.n }

func TestCustomPacker(t *testing.T) {
	p := &bigEndianPacker{}
	s, _ := newTest(t, WithPacker(p), WithMaxBodyLength(100))
	s.AddRouter(513, echoRoute)
	addr := start(t, s)
	c := connect(t, addr)
	msg, _ := p.Pack(513, []byte("big endian"))
	c.Write(msg[:3]) // split inside the header
	c.Write(msg[3:])
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("got %x want %x", got, msg)
	}
	// The limit is enforced through the custom packer too.
	tooLong, _ := p.Pack(513, make([]byte, 101))
	c.Write(tooLong)
	c.expectClosed()
}

func TestSendAfterClose(t *testing.T) {
	conns := make(chan iface.IConnect, 1)
	s, _ := newTest(t, WithHooks(hooks{open: func(c iface.IConnect) { conns <- c }}))
	addr := start(t, s)
	c := connect(t, addr)
	server := <-conns
	c.Close()
	waitFor(t, "server side closed", server.IsClosed)
	if _, err := server.Send(0, []byte("late")); !errors.Is(err, ErrConnClosed) {
		t.Fatalf("Send after close: %v, want ErrConnClosed", err)
	}
	if server.GetConnectMgr().Get(server.GetID()) != nil {
		t.Fatal("closed connection still registered")
	}
}

// TestReconnectsNeverGetOthersData: a connection that holds on to a closed
// client keeps sending to it while clients reconnect quickly; descriptors
// are reused, and no new connection may ever see the old one's data.
func TestReconnectsNeverGetOthersData(t *testing.T) {
	conns := make(chan iface.IConnect, 1)
	var once sync.Once
	s, _ := newTest(t, WithHooks(hooks{open: func(c iface.IConnect) { once.Do(func() { conns <- c }) }}))
	s.AddRouter(0, echoRoute)
	addr := start(t, s)
	first := connect(t, addr)
	stale := <-conns
	first.Close()
	waitFor(t, "first closed", stale.IsClosed)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := stale.Send(0, []byte("STALE")); err == nil {
				t.Error("Send to a closed connection succeeded")
				return
			}
		}
	}()
	for i := 0; i < 200; i++ {
		c := connect(t, addr)
		want := fmt.Sprintf("conn %d", i)
		c.send(0, []byte(want))
		if _, p := c.recv(); string(p) != want {
			t.Fatalf("reconnect %d got %q", i, p)
		}
		c.Close()
	}
	close(stop)
	wg.Wait()
}

type hooks struct {
	open, close func(iface.IConnect)
}

func (h hooks) OnOpen(c iface.IConnect) {
	if h.open != nil {
		h.open(c)
	}
}

func (h hooks) OnClose(c iface.IConnect) {
	if h.close != nil {
		h.close(c)
	}
}

// TestHooksOncePerConnectionInOrder: OnOpen, then every message, then
// OnClose, exactly once each, for many short connections.
func TestHooksOncePerConnectionInOrder(t *testing.T) {
	var mu sync.Mutex
	events := map[int][]string{}
	add := func(c iface.IConnect, e string) {
		mu.Lock()
		events[c.GetID()] = append(events[c.GetID()], e)
		mu.Unlock()
	}
	s, _ := newTest(t, WithHooks(hooks{
		open:  func(c iface.IConnect) { time.Sleep(time.Millisecond); add(c, "open") },
		close: func(c iface.IConnect) { add(c, "close") },
	}))
	s.AddRouter(0, routerFunc(func(r iface.IRequest) { add(r.GetConnect(), "msg:"+r.GetMessage().String()) }))
	addr := start(t, s)
	const n = 50
	for i := 0; i < n; i++ {
		c := connect(t, addr)
		c.Write(append(pack(0, "a"), pack(0, "b")...))
		c.Close()
	}
	waitFor(t, "every close hook", func() bool {
		mu.Lock()
		defer mu.Unlock()
		closed := 0
		for _, ev := range events {
			if ev[len(ev)-1] == "close" {
				closed++
			}
		}
		return closed == n
	})
	mu.Lock()
	defer mu.Unlock()
	for id, ev := range events {
		got := strings.Join(ev, ",")
		if got != "open,msg:a,msg:b,close" && got != "open,close" && got != "open,msg:a,close" {
			t.Fatalf("conn %d: events %s", id, got)
		}
	}
}

// TestBlockingHandlerDoesNotStallOthers: one connection's handler blocks
// until released; other connections are served meanwhile, and the blocked
// connection's later messages are handled after, in order.
func TestBlockingHandlerDoesNotStallOthers(t *testing.T) {
	release := make(chan struct{})
	s, _ := newTest(t, WithNumEventLoop(1))
	s.AddRouter(0, echoRoute)
	s.AddRouter(1, routerFunc(func(r iface.IRequest) {
		<-release
		r.GetConnect().Send(1, r.GetMessage().Bytes())
	}))
	addr := start(t, s)
	blocked := connect(t, addr)
	blocked.send(1, []byte("first"))
	blocked.send(0, []byte("second"))
	blocked.send(0, []byte("third"))
	for i := 0; i < 20; i++ {
		other := connect(t, addr)
		other.send(0, []byte("free"))
		if _, p := other.recv(); string(p) != "free" {
			t.Fatalf("other conn got %q", p)
		}
	}
	close(release)
	for _, want := range []string{"first", "second", "third"} {
		if _, p := blocked.recv(); string(p) != want {
			t.Fatalf("blocked conn: got %q, want %q", p, want)
		}
	}
}

// TestHandlerOnLoop runs the same echo with handlers on the event loop.
func TestHandlerOnLoop(t *testing.T) {
	s, _ := newTest(t, WithHandlerOnLoop())
	s.AddRouter(0, echoRoute)
	c := connect(t, start(t, s))
	for i := 0; i < 10; i++ {
		c.send(0, []byte{byte(i)})
		if _, p := c.recv(); p[0] != byte(i) {
			t.Fatal("wrong echo")
		}
	}
}

// TestBackpressurePausesReading: a connection whose handler is stuck stops
// being read once its inbox is full, so memory stays bounded.
func TestBackpressurePausesReading(t *testing.T) {
	release := make(chan struct{})
	var handled sync.WaitGroup
	s, _ := newTest(t, WithMaxPendingMessages(8))
	s.AddRouter(0, routerFunc(func(r iface.IRequest) { <-release; handled.Done() }))
	addr := start(t, s)
	c := connect(t, addr)
	const n = 2000
	handled.Add(n)
	go func() {
		for i := 0; i < n; i++ {
			if writeMsg(c, 0, strings.Repeat("x", 1000)) != nil {
				return
			}
		}
	}()
	var conn *connection
	waitFor(t, "the connection", func() bool {
		for _, ic := range s.GetConnectMgr().GetConnects() {
			conn = ic.(*connection)
		}
		return conn != nil
	})
	waitFor(t, "reading paused", func() bool {
		return conn.inbox.Paused()
	})
	queued := conn.inbox.Len()
	// The inbox holds at most what one read delivered past the bound.
	if queued > 8+64*1024/1008+1 {
		t.Fatalf("inbox grew to %d messages with bound 8", queued)
	}
	close(release)
	handled.Wait() // every accepted message is still handled
}

func TestStartFailsOnBadAddress(t *testing.T) {
	s := New("256.0.0.1", 1, WithLogOutput(io.Discard))
	if err := s.Start(); err == nil {
		t.Fatal("Start on an invalid address succeeded")
	}
}

// TestManyBlockedHandlersStillServeOthers blocks more handlers than the
// pool starts eagerly; the pool must notice the stall and grow, so other
// connections are still served.
func TestManyBlockedHandlersStillServeOthers(t *testing.T) {
	release := make(chan struct{})
	var blocked sync.WaitGroup
	s, _ := newTest(t)
	s.AddRouter(0, echoRoute)
	s.AddRouter(1, routerFunc(func(r iface.IRequest) { blocked.Done(); <-release }))
	addr := start(t, s)
	const n = 20 // more than the pool's eager workers on any machine this runs on
	blocked.Add(n)
	for i := 0; i < n; i++ {
		connect(t, addr).send(1, nil)
	}
	blocked.Wait() // every blocking handler holds a worker now
	other := connect(t, addr)
	other.send(0, []byte("served"))
	if _, p := other.recv(); string(p) != "served" {
		t.Fatalf("got %q", p)
	}
	close(release)
}

// TestInboxBoundedInBytes: large messages to a stuck handler pause
// reading long before the message-count bound.
func TestInboxBoundedInBytes(t *testing.T) {
	release := make(chan struct{})
	defer close(release) // also on failure, so Stop is not held by the stuck handler
	s, _ := newTest(t)
	s.AddRouter(0, routerFunc(func(r iface.IRequest) { <-release }))
	addr := start(t, s)
	c := connect(t, addr)
	go func() {
		for i := 0; i < 64; i++ {
			if _, err := c.Write(pack(0, strings.Repeat("x", 1<<20))); err != nil {
				return
			}
		}
	}()
	var conn *connection
	waitFor(t, "the connection", func() bool {
		for _, ic := range s.GetConnectMgr().GetConnects() {
			conn = ic.(*connection)
		}
		return conn != nil
	})
	waitFor(t, "reading paused", func() bool { return conn.inbox.Paused() })
	queued := conn.inbox.Len()
	// 4 MiB of 1 MiB messages, plus what the pause let through.
	if queued > 8 {
		t.Fatalf("%d messages of 1 MiB queued", queued)
	}
}
