package netpoll

// Handler receives the events of connections. Every method runs on the
// connection's event loop and must not block; see the package documentation.
type Handler interface {
	// OnOpen is called once when the connection is registered with its loop,
	// before any OnData.
	OnOpen(c *Conn)

	// OnData is called with the bytes that arrived, preceded by whatever the
	// previous call left unconsumed. It returns how many bytes it consumed;
	// the rest is kept and presented again with the next bytes. data is only
	// valid during the call: copy what must outlive it. A non-nil error
	// closes the connection gracefully (pending writes are flushed) with
	// that error as the reason.
	OnData(c *Conn, data []byte) (consumed int, err error)

	// OnClose is called exactly once, after the socket is closed. reason
	// tells why: io.EOF (the peer closed), ErrClosed (local Close),
	// ErrIdleTimeout, ErrDeadline, ErrServerClosed, ErrWriteQueueFull, the
	// error OnData returned or passed to CloseWithError, or a syscall error.
	OnClose(c *Conn, reason error)
}

// DrainHandler is implemented by a Handler that wants to know when a
// connection's output has drained, so it can produce more: netpoll calls
// OnDrain on the connection's loop when its pending output falls to the
// low-water mark (a quarter of WithMaxPendingWrite) after it was above the
// high-water mark (half of it, where the connection stops being read, see
// Conn.WriteBlocked), after a write was refused with ErrWriteQueueFull, or
// after Conn.NotifyDrain. This is how a protocol on netpoll gets backpressure
// end to end: stop handing the peer's requests to the application while
// WriteBlocked, resume on OnDrain, and a peer that reads slowly gets every
// reply, with the server's memory bounded, and no goroutine waiting.
type DrainHandler interface {
	OnDrain(c *Conn)
}

// Funcs adapts three functions to a handler of connections of type C (a
// [Handler] for *Conn; layers above netpoll, such as tlsconn, use it for
// their own connection type). Nil fields are no-ops; a nil Data consumes
// and discards everything.
type Funcs[C any] struct {
	Open  func(c C)                           // called by OnOpen
	Data  func(c C, data []byte) (int, error) // called by OnData
	Close func(c C, reason error)             // called by OnClose
}

// HandlerFuncs adapts three functions to a Handler.
type HandlerFuncs = Funcs[*Conn]

// OnOpen calls h.Open if set.
func (h Funcs[C]) OnOpen(c C) {
	if h.Open != nil {
		h.Open(c)
	}
}

// OnData calls h.Data if set, else consumes everything.
func (h Funcs[C]) OnData(c C, data []byte) (int, error) {
	if h.Data != nil {
		return h.Data(c, data)
	}
	return len(data), nil
}

// OnClose calls h.Close if set.
func (h Funcs[C]) OnClose(c C, reason error) {
	if h.Close != nil {
		h.Close(c, reason)
	}
}
