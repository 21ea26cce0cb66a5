// Package conformance holds a conformance suite for the ws codec modelled on the case groups
// of the Autobahn|Testsuite (1 framing, 2 ping/pong, 3 reserved bits, 4 opcodes,
// 5 fragmentation, 6 UTF-8, 7 close handling, 9 limits, 12/13 permessage-deflate).
//
// Each case is a row of a table: raw client frames (masked, possibly invalid), how they are
// written (whole, in chops, one write per frame), and the exact server behaviour expected: the
// frames it sends back, the code of its close frame, then the end of the TCP connection. The
// cases run over real TCP on 127.0.0.1 against the codec served by a small net.Conn glue that
// feeds it in random chunk sizes. Case names carry the Autobahn number they model.
//
// The suite runs with `go test`. To rewrite RESULTS.md from a run:
//
//	go test ./conformance -update
//
// The package has no non-test code besides this documentation.
package conformance
