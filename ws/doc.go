// Package ws is the server side of RFC 6455 (WebSocket) as a codec driven by bytes: it parses
// the HTTP upgrade, decodes frames, runs the ping/pong and close handshakes and optionally
// permessage-deflate (RFC 7692), on byte slices and a Transport. It does not import netpoll,
// so the same codec runs over a netpoll connection, over tlsconn (wss) or over a net.Conn. It
// is built on github.com/gobwas/ws (opcodes, close codes, masking) and its httphead and wsflate
// packages (extension negotiation, deflate stream framing).
//
// # Use
//
// A Server holds the shared configuration and the Handler; it creates one ServerConn per
// connection, whose replies go to a Transport (an io.Writer the codec also closes):
//
//	srv := ws.NewServer(handler, ws.WithMaxMessageSize(1<<20), ws.WithDeflate(ws.DeflateOptions{}))
//	c := srv.NewConn(w) // e.g. a *netpoll.Conn
//
// The glue passes every received byte to Feed, which has the contract of
// netpoll.Handler.OnData: it returns how many bytes it consumed, and the bytes it did not
// consume (an incomplete request, frame header or control frame) must be passed again, first,
// on the next call. With netpoll the glue is one line per event:
//
//	func (g *glue) OnOpen(nc *netpoll.Conn)   { nc.SetContext(g.srv.NewConn(nc)) }
//	func (g *glue) OnData(nc *netpoll.Conn, data []byte) (int, error) {
//		return nc.Context().(*ws.ServerConn).Feed(data)
//	}
//
// The codec owns the close sequence end to end: when the WebSocket is over (close handshake
// complete, the connection failed with 1002, 1007 or 1009, an upgrade refused, a plain HTTP
// request served, or Close called) it writes what ends it and closes the Transport with
// CloseWithError, which flushes first; Feed then returns the same error (a *HandshakeError,
// ErrHTTPServed, or a *CloseError wrapping ErrClosed, ErrProtocol, ErrInvalidUTF8,
// ErrInvalidPayload or ErrMessageTooBig), for the glue to return or ignore. The glue never
// closes the connection for the protocol. After the close frame the peer may still be sending;
// closing a socket with unread data makes the kernel send a reset that can destroy the close
// frame in flight, which is why netpoll's graceful close half-closes and drains reads for a
// short while (its linger) before the socket is closed.
//
// Handler methods run on the goroutine that calls Feed and must not block; a payload passed to
// OnMessage is only valid during the call (it may alias the glue's read buffer). WriteText,
// WriteBinary, WriteMessage, Ping and Close may be called from any goroutine: each frame is
// written with exactly one Write call under a per-connection mutex, so frames never interleave
// and no data frame follows the close frame. The Transport must not block for long (netpoll's
// *Conn queues what the kernel does not take) and must not retain the slice it is given.
//
// # Handlers on other goroutines
//
// A glue that runs the application's handlers on worker goroutines (copying each payload in
// OnMessage) would let the codec's own close frame, the echo of the peer's close or the frame that
// fails the connection, overtake the replies to the messages received before it, and those
// replies would then be refused with ErrClosed. One rule prevents that: call HoldClose in
// OnMessage before handing the message over, and ReleaseClose when its handler has returned. A
// close due meanwhile waits for the last release, which writes the close frame and closes the
// Transport; until then Feed returns nil and discards input, and data frames are still written.
//
// # Upgrade
//
// The request is parsed from buffered bytes in two steps. A scan for the blank line that ends
// the header resumes where the last Feed stopped, so a request arriving one byte at a time costs
// O(n); until it is complete nothing is consumed, and a header longer than WithMaxHeaderBytes
// (8 KiB by default) is answered with 431. Then the request is checked as RFC 6455 section 4.2.1
// asks: GET (else 405), HTTP/1.1 (400, or 505 for a version other than 1.x), a request-target,
// one Host (400), Upgrade containing the token "websocket" and Connection containing "upgrade",
// case-insensitively in comma-separated lists (400), one Sec-WebSocket-Key that is the base64
// form of 16 bytes (400), Sec-WebSocket-Version exactly 13 (else 426 with
// "Sec-WebSocket-Version: 13"), and the WithCheckOrigin hook (403). Every error response has
// "Connection: close". With WithHTTPHandler, a plain GET (no "Upgrade: websocket") is answered by
// the application's hook instead of 400, so the same port can serve a page or a health check; Feed
// then returns ErrHTTPServed. gobwas/ws's Upgrader is not used for this because its error responses
// lack "Connection: close", it checks only the key's length, and it may split a response over
// several writes. The header fields are checked by scanning the bytes Feed was given, names
// matched case-insensitively, without building a map or copying the header: the Request is
// passed by value and a valid upgrade allocates one string holding its request-target, Host
// and Origin, nothing else (TestUpgradeAllocations). Request.Header builds an http.Header only when called, during the
// hooks. The response is built in a pooled buffer.
//
// # Frames
//
// Frame headers and whole control frames are decoded only once complete. A data frame's payload
// is consumed as it arrives: a text message is validated as UTF-8 incrementally, so an invalid
// sequence fails the connection with 1007 as soon as it is received, even in the middle of a
// frame. Client frames must be masked; RSV bits without a negotiated extension, reserved
// opcodes, control frames over 125 bytes or fragmented, continuation frames without a message
// and new data frames inside a fragmented message are answered with 1002; a message over the
// limit with 1009, checked on each frame header before anything is allocated. Close codes are
// checked as section 7.4 says (1000-1003, 1007-1014 and 3000-4999 are accepted; 1012-1014
// are registered with IANA and accepted as browsers do) and a close is echoed with its code.
// Pings are answered with pongs carrying the same payload.
//
// # Memory
//
// A ServerConn is 56 bytes on 64-bit platforms (a glue may embed it in its own per-connection
// struct, see InitConn, and find that struct from the codec through Writer), and an idle
// connection (no partial message) holds nothing else: measured heap for 10,000 upgraded, idle
// codecs is 64 bytes per connection, the size class (TestIdleConnectionMemory,
// BenchmarkIdleConnectionMemory). An unfragmented message that arrives whole in one Feed is
// delivered from the caller's buffer without a copy. Only a message that spans frames or Feeds
// takes a frame state (its length, mask and opcode) from a pool, and gives it back when it is
// delivered. Such messages are assembled in a buffer that grows as bytes arrive (never ahead of them, so a
// header announcing a large frame costs nothing by itself), is bounded by the maximum message
// size and is released as soon as the message is delivered. Outgoing frames are built in pooled
// buffers.
//
// # permessage-deflate
//
// Enabled with WithDeflate and negotiated only when the client offers it. compress/flate state
// is large: a flate.Writer allocates about 1.2 MB (at every level, BestSpeed included) and a
// flate reader about 40 KB (BenchmarkDeflateState). Keeping them per connection, as context
// takeover requires, would cost over 1.2 MB per connection. So the server always answers with
// server_no_context_takeover and client_no_context_takeover (RFC 7692 section 7.1.1 lets it do
// so whatever the offer): every message is compressed and decompressed on its own with a
// compressor or decompressor borrowed from a sync.Pool for the duration of that message. An
// idle connection then holds no deflate state at all; the process holds about one compressor per
// goroutine writing at the same moment. A client's server_max_window_bits=N is accepted and
// honoured by compressing only messages of at most 2^N bytes (compress/flate's window is fixed at
// 32 KiB, but a fresh compressor cannot refer further back than the message start). Messages
// smaller than DeflateOptions.Threshold or that do not shrink are sent uncompressed. A
// compressed message's size and its inflated size are both bounded by the maximum message size,
// and a compressed text message is validated as UTF-8 once inflated (not incrementally).
package ws
