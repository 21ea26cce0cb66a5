package tlsconn

import "github.com/netman-go/netman/netpoll"

// Handler receives the events of TLS connections, on plaintext. It has the
// contract of netpoll.Handler: the methods of one connection never run
// concurrently, in the order OnOpen, OnData..., OnClose, and they must not
// block. OnOpen is called only once the handshake has completed; a
// connection whose handshake fails is never shown to the Handler.
//
// Every method runs on the connection's event loop, like netpoll's: OnOpen
// too (the handshake goroutine hands its outcome to the loop with
// netpoll.Conn.Execute), and the delivery of plaintext that arrived during
// the handshake or was held back by PauseReading.
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

// DrainHandler is implemented by a Handler that wants OnDrain, as with
// netpoll.DrainHandler: called on the loop when the connection's encrypted
// output has drained to the low-water mark after it was above the high-water
// mark (Conn.WriteBlocked), after a refused write, or after NotifyDrain.
type DrainHandler interface {
	OnDrain(c *Conn)
}

// HandlerFuncs adapts three functions to a Handler; nil fields are no-ops (a
// nil Data consumes and discards everything).
type HandlerFuncs = netpoll.Funcs[*Conn]
