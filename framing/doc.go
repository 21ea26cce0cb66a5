// Package framing is the wire format of netman: length-prefixed packets made of a fixed
// size header (message id and body length) followed by the body, and the machinery to
// decode them incrementally from whatever a socket delivers.
//
// The default format, [Default], is byte-compatible with the seed framework's
// util.NewDataPacker(): an 8-byte header holding the body length as a little-endian
// uint32, then the message id as a little-endian uint32, then the body. [BigEndian] is the
// same layout in network byte order. Any other header layout is a small [Packer]
// implementation away (see the examples).
//
// There are three levels:
//
//   - A [Packer] encodes (id, payload) into bytes and decodes a header into (id, body length).
//   - A [Decoder] is fed the bytes that arrived on a connection, in any split, calls back once
//     per complete message in order, and keeps only the partial rest. An idle Decoder holds no
//     buffer; a large message is assembled in one buffer allocated to its exact size.
//     [DecodeMessage] is the stateless form for callers that keep the unconsumed bytes themselves.
//   - [ReadMessage] and [WriteMessage] speak the format over any io.Reader / io.Writer, so a
//     client can talk to a netman server over a plain net.Conn.
//
// The package has no dependency outside the standard library and opens no sockets.
package framing
