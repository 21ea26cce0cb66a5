// Package conformance holds a conformance suite for WebSocket servers modelled on the case groups
// of the Autobahn|Testsuite (1 framing, 2 ping/pong, 3 reserved bits, 4 opcodes,
// 5 fragmentation, 6 UTF-8, 7 close handling, 9 limits, 12/13 permessage-deflate).
//
// Each Case is a row of a table: raw client frames (masked, possibly invalid), how they are
// written (whole, in chops, one write per frame), and the exact server behaviour expected: the
// frames it sends back, the code of its close frame, then the end of the TCP connection. Case
// names carry the Autobahn number they model. Case.Run plays a case against any server address,
// so the same table checks the ws codec behind a small net.Conn test glue (this package's tests,
// which feed the codec in random chunk sizes) and complete servers built on it, such as netman's
// server.Websocket over netpoll. The server must echo every message with its opcode and be
// configured as the case's Config says; Cases needs only a few distinct configurations.
//
// The suite runs with `go test`. To rewrite RESULTS.md from a run against the codec:
//
//	go test ./conformance -update
package conformance
