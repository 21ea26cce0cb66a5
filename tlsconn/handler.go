package tlsconn

// Handler receives the events of TLS connections, on plaintext. It has the
// contract of netpoll.Handler: the methods of one connection never run
// concurrently, in the order OnOpen, OnData..., OnClose, and they must not
// block. OnOpen is called only once the handshake has completed; a
// connection whose handshake fails is never shown to the Handler.
//
// Where the methods run: OnData and OnClose normally run on the connection's
// event loop. OnOpen, and the OnData calls for bytes that arrived during the
// handshake, run on the short-lived goroutine that did the handshake; OnData
// for plaintext held back by PauseReading may run on the goroutine that calls
// ResumeReading. netpoll offers no way to hand work to a loop, so this is the
// only way to deliver those events without waiting for the peer's next bytes.
// The calls are serialized all the same.
type Handler interface {
	// OnOpen is called once the handshake has completed, before any OnData.
	// c.ConnectionState() tells the negotiated version, ALPN protocol,
	// server name and peer certificates.
	OnOpen(c *Conn)

	// OnData is called with the plaintext that arrived, preceded by whatever
	// the previous call left unconsumed. It returns how many bytes it
	// consumed; the rest is kept (bounded by WithMaxInputBuffer) and
	// presented again with the next bytes. data is only valid during the
	// call. A non-nil error closes the connection gracefully (close_notify,
	// pending writes flushed) with that error as the reason.
	OnData(c *Conn, data []byte) (consumed int, err error)

	// OnClose is called exactly once for every connection that was opened,
	// after the socket is closed. reason is io.EOF when the peer closed
	// (with or without close_notify), a netpoll error (ErrClosed,
	// ErrIdleTimeout, ErrServerClosed, ...), an error wrapping ErrProtocol,
	// or the error OnData returned or passed to CloseWithError.
	OnClose(c *Conn, reason error)
}

// HandlerFuncs adapts three functions to a Handler; nil fields are no-ops (a
// nil Data consumes and discards everything).
type HandlerFuncs struct {
	Open  func(c *Conn)
	Data  func(c *Conn, data []byte) (int, error)
	Close func(c *Conn, reason error)
}

// OnOpen calls h.Open if set.
func (h HandlerFuncs) OnOpen(c *Conn) {
	if h.Open != nil {
		h.Open(c)
	}
}

// OnData calls h.Data if set, else consumes everything.
func (h HandlerFuncs) OnData(c *Conn, data []byte) (int, error) {
	if h.Data != nil {
		return h.Data(c, data)
	}
	return len(data), nil
}

// OnClose calls h.Close if set.
func (h HandlerFuncs) OnClose(c *Conn, reason error) {
	if h.Close != nil {
		h.Close(c, reason)
	}
}
