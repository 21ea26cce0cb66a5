package netpoll

import (
	"net"
	"net/netip"
	"sync"
)

// Conn state bits, guarded by Conn.mu.
const (
	stClosing    uint32 = 1 << iota // Close called: no new writes, no more OnData
	stClosed                        // socket closed, OnClose called or about to be
	stWriteArmed                    // poller watches writability
	stReadPaused                    // PauseReading in effect
	stHard                          // close without flushing
	stOpened                        // OnOpen ran
	stLinger                        // write side shut down; input discarded until EOF
	stNoLinger                      // close without lingering (server shutdown)
)

// Conn is one connection served by an event loop. Its methods are safe for
// concurrent use from any goroutine. A Conn is an io.Writer.
type Conn struct {
	fd   int
	loop *loop
	ctx  any

	remote netip.AddrPort
	local  net.Addr // the listener's address when it is not a wildcard, else nil

	in []byte // bytes the handler left unconsumed; nil when idle

	mu      sync.Mutex
	state   uint32
	pending int      // bytes in out
	out     [][]byte // queued output, oldest first; nil when empty
	reason  error    // why it is closing

	// Owned by the loop goroutine; no lock needed.
	lastRead int64 // loop clock (unix nanos) of the last read
	idle     int64 // idle timeout in nanoseconds; 0 = none
	deadline int64 // graceful close flush deadline (loop clock); 0 = none
	wheeled  uint8 // entries in the loop's timing wheel
}

// Context returns the value set with SetContext.
func (c *Conn) Context() any {
	c.mu.Lock()
	v := c.ctx
	c.mu.Unlock()
	return v
}

// SetContext attaches a value to the connection, typically the protocol
// state of the layer above.
func (c *Conn) SetContext(v any) {
	c.mu.Lock()
	c.ctx = v
	c.mu.Unlock()
}

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() net.Addr {
	return net.TCPAddrFromAddrPort(c.remote)
}

// Pending returns the number of written bytes the kernel has not taken yet.
func (c *Conn) Pending() int {
	c.mu.Lock()
	n := c.pending
	c.mu.Unlock()
	return n
}

// Close closes the connection gracefully: bytes already accepted by Write
// are flushed first (for at most the close timeout), then the socket closes
// and OnClose runs with reason ErrClosed. Close on a closing connection
// returns ErrClosed.
func (c *Conn) Close() error { return c.CloseWithError(ErrClosed) }
