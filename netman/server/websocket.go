package server

import (
	"errors"
	"net/url"
	"strings"
	"unsafe"

	"github.com/netman-go/netman/netman/iface"
	"github.com/netman-go/netman/netpoll"
	"github.com/netman-go/netman/ws"
)

// Websocket returns a WebSocket server (RFC 6455) for ip:port whose events
// go to h: Open once the upgrade succeeded, Message for every text or binary
// message, in order, and Close exactly once after Open, whatever ends the
// connection. They run like a TCP server's hooks and routes: on the worker
// pool unless WithHandlerOnLoop, one at a time per connection. A request
// that fails the upgrade is answered with an HTTP error and never reaches h;
// WithHTTPHandler serves plain HTTP requests on the same port.
//
// conn.Text and conn.Binary send a message (Send sends binary), from any
// goroutine; conn.Query returns the upgrade request's query parameters;
// conn.CloseWithCode sends a close frame with a code and reason, then closes
// the TCP connection once it is flushed (conn.Close uses code 1000). When
// the client closes, or breaks the protocol, the server's close frame waits
// until the handlers of the messages received before it have returned, so
// their replies are not lost.
//
// Options that apply: WithMaxMessageSize (a bigger message closes that
// connection with code 1009), WithCompression (permessage-deflate),
// WithCheckOrigin, WithHTTPHandler, WithHeartbeatCheckInterval together with
// WithHeartbeatIdleTime (a connection that sent nothing, not even a ping,
// for the idle time is closed at the TCP level, without a close frame: the
// client sees code 1006), and the event-loop, worker, logging and TLS
// options (WithTLSConfig serves wss). Stop sends every client a close frame
// with code 1001 before closing.
// Protocol errors close only the offending connection, with the code RFC
// 6455 gives them, and are logged once per connection.
func Websocket(ip string, port int, h iface.IWebsocketHandler, opts ...Option) *Server {
	s := New(ip, port, opts...)
	s.proto = s.wsProtocol(h)
	return s
}

// wsProtocol is the protocol of a WebSocket server, over plain TCP or TLS:
// it feeds each connection's codec and turns its events into the server's
// jobs.
type wsProtocol struct {
	s     *Server
	h     iface.IWebsocketHandler
	codec *ws.Server
}

func (s *Server) wsProtocol(h iface.IWebsocketHandler) protocol {
	o := []ws.Option{ws.WithMaxMessageSize(s.opts.wsMaxMessage)}
	if s.opts.wsCompression {
		o = append(o, ws.WithDeflate(ws.DeflateOptions{Threshold: s.opts.wsDeflateThreshold}))
	}
	if f := s.opts.wsCheckOrigin; f != nil {
		o = append(o, ws.WithCheckOrigin(func(r ws.Request) bool { return f(r.Origin) }))
	}
	if s.opts.httpHandler != nil {
		o = append(o, ws.WithHTTPHandler(s.serveHTTP))
	}
	return wsProtocol{s: s, h: h, codec: ws.NewServer(wsEvents{s}, o...)}
}

func (p wsProtocol) onOpen(c *connection)  { p.h.Open(c) }
func (p wsProtocol) onClose(c *connection) { p.h.Close(c) }

// onMessage runs the application's Message handler for r, then releases
// the codec's close frame held for it.
func (p wsProtocol) onMessage(r *request) {
	defer wsOf(r.conn).codec.ReleaseClose()
	p.h.Message(r)
}

func (wsProtocol) send(c *connection, _ uint32, data []byte) (int, error) {
	return wsOf(c).binary(data)
}
func (wsProtocol) text(c *connection, data []byte) (int, error)   { return wsOf(c).text(data) }
func (wsProtocol) binary(c *connection, data []byte) (int, error) { return wsOf(c).binary(data) }
func (wsProtocol) closeConn(c *connection, code int, reason string) error {
	return wsOf(c).close(code, reason)
}
func (wsProtocol) query(c *connection) url.Values { return wsOf(c).query() }

func (wsProtocol) encode(op ws.OpCode, _ uint32, data []byte) (encoded, error) {
	pm, err := ws.NewPreparedMessage(op, data)
	return encoded{pm: pm}, err
}

func (wsProtocol) writeEncoded(c *connection, m encoded) error {
	return wsError(wsOf(c).codec.WritePrepared(m.pm))
}
func (wsProtocol) name() string { return "websocket" }

// stopping sends every open WebSocket connection a close frame with code
// 1001, before Shutdown closes them.
func (p wsProtocol) stopping() {
	for _, c := range p.s.conns.GetConnects() {
		_ = wsOf(c.(*connection)).codec.Close(ws.StatusGoingAway, "server stopping")
	}
}

// wsConn is a WebSocket connection: the connection and its codec in one
// allocation, and the codec's Transport, so the codec's events find it
// (ws.ServerConn.Writer); wsOf finds it from the connection. The codec owns the close sequence: it writes the close frame and closes the
// connection itself, after the handlers of earlier messages
// (HoldClose/ReleaseClose).
type wsConn struct {
	connection
	codec    ws.ServerConn
	rawQuery *string // of the upgrade request, nil if none; set before the connection is registered
	// No more fields: at 144 bytes (connection 80, codec 56, one pointer)
	// this is a size class of its own; "upgraded" is a connection flag.
}

// wsOf returns the wsConn of c, a connection of a WebSocket server: every
// one is allocated as a wsConn (wsProtocol.newConn), with the connection
// first.
func wsOf(c *connection) *wsConn { return (*wsConn)(unsafe.Pointer(c)) }

// newConn allocates the connection with its WebSocket state.
func (p wsProtocol) newConn(t transport) *connection {
	w := new(wsConn)
	p.s.initConn(&w.connection, t)
	return &w.connection
}

// open starts the codec; the connection is registered (and Open queued)
// only once the upgrade succeeded.
func (p wsProtocol) open(c *connection) {
	w := wsOf(c)
	p.codec.InitConn(&w.codec, w)
}

// Write sends what the codec writes (one frame or HTTP response per call).
func (w *wsConn) Write(b []byte) (int, error) { return w.t.Write(b) }

// CloseWithError closes the connection once what the codec wrote is flushed.
func (w *wsConn) CloseWithError(reason error) error { return w.t.CloseWithError(reason) }

// wsConnOf returns the wsConn whose codec is codec.
func wsConnOf(codec *ws.ServerConn) *wsConn { return codec.Writer().(*wsConn) }

func (p wsProtocol) data(c *connection, data []byte) (int, error) {
	return wsOf(c).codec.Feed(data)
}

func (p wsProtocol) close(c *connection, reason error) {
	if c.has(flagUpgraded) {
		p.s.closed(c, reason)
		return
	}
	// Never upgraded: a refused upgrade, a plain HTTP request or a client
	// gone before its request was complete. Open and Close are not called.
	var he *ws.HandshakeError
	switch {
	case errors.As(reason, &he):
		p.s.log.Info().Int("conn", c.id).Stringer("remote", c.RemoteAddr()).Err(reason).
			Int("status", he.Status).Msg("websocket upgrade refused")
	default:
		p.s.log.Debug().Int("conn", c.id).AnErr("reason", reason).Msg("connection closed before the websocket upgrade")
	}
}

func (w *wsConn) text(data []byte) (int, error)   { return w.write(ws.OpText, data) }
func (w *wsConn) binary(data []byte) (int, error) { return w.write(ws.OpBinary, data) }

func (w *wsConn) write(op ws.OpCode, data []byte) (int, error) {
	if err := w.codec.WriteMessage(op, data); err != nil {
		return 0, wsError(err)
	}
	return len(data), nil
}

// close sends a close frame; the codec then closes the TCP connection once
// it is flushed, and netpoll lingers to read the client's answer, so
// nothing is reset.
func (w *wsConn) close(code int, reason string) error {
	if code < 0 || code > 0xffff {
		return ws.ErrInvalidCloseCode
	}
	return wsError(w.codec.Close(ws.StatusCode(code), reason))
}

func (w *wsConn) query() url.Values {
	if w.rawQuery == nil {
		return url.Values{}
	}
	v, _ := url.ParseQuery(*w.rawQuery)
	return v
}

// wsError maps the errors of a write on a closed connection to ErrConnClosed.
func wsError(err error) error {
	if errors.Is(err, ws.ErrClosed) || errors.Is(err, ws.ErrNotOpen) || errors.Is(err, netpoll.ErrClosed) {
		return ErrConnClosed
	}
	return err
}

// wsEvents receives the codec's events, on the connection's event loop.
type wsEvents struct{ s *Server }

func (e wsEvents) OnOpen(codec *ws.ServerConn, r ws.Request) {
	w := wsConnOf(codec)
	if r.RawQuery != "" {
		q := strings.Clone(r.RawQuery) // not a substring pinning the Request's other fields
		w.rawQuery = &q
	}
	w.set(flagUpgraded)
	e.s.opened(&w.connection)
}

// OnMessage copies the payload, which is only valid during the call, and
// queues the message; the codec holds its own close frame until the
// message's handler has returned (see wsMessage).
func (e wsEvents) OnMessage(codec *ws.ServerConn, op ws.OpCode, payload []byte) {
	w := wsConnOf(codec)
	r := e.s.request(&w.connection, 0, payload, op == ws.OpText)
	// Held for every message, also on the loop: a message may wait in the
	// inbox while the connection's output is backed up.
	codec.HoldClose()
	e.s.disp.Deliver(&w.connection, r)
}

// OnClose sees the client's close frame; Feed's error reports it too, and
// the connection's end runs the Close handler.
func (wsEvents) OnClose(*ws.ServerConn, ws.StatusCode, string) {}
