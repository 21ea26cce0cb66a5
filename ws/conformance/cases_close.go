package conformance

import (
	"fmt"
	"strings"
)

// closeCases model Autobahn group 7.
func closeCases() []Case {
	big := textOf(256 << 10)
	cs := []Case{
		{ID: "7.1.1", Desc: "text message, then close", steps: steps(text("Hello World!"), closeFrame(1000, "")),
			want: frames(eText("Hello World!")), close: 1000},
		{ID: "7.1.2", Desc: "close twice", steps: steps(closeFrame(1000, ""), closeFrame(1000, "")), close: 1000},
		{ID: "7.1.3", Desc: "close, then ping (not answered)", steps: steps(closeFrame(1000, ""), ping("Hello World!")), close: 1000},
		{ID: "7.1.4", Desc: "close, then text (not echoed)", steps: steps(closeFrame(1000, ""), text("Hello World!")), close: 1000},
		{ID: "7.1.5", Desc: "first fragment of a text, close, then the last fragment", steps: steps(fr(1, false, 0, []byte("fragment1")),
			closeFrame(1000, ""), fr(0, true, 0, []byte("fragment2"))), close: 1000},
		{ID: "7.1.6", Desc: "256 KiB text, close, then ping, in one write", steps: steps(send(text(big), closeFrame(1000, ""), ping("Hello World!"))),
			want: frames(eText(big)), close: 1000},
		{ID: "7.3.1", Desc: "close with empty payload", steps: steps(fr(8, true, 0, nil)), close: closeEmpty},
		{ID: "7.3.2", Desc: "close with 1-byte payload", steps: steps(fr(8, true, 0, []byte{'a'})), close: 1002},
		{ID: "7.3.3", Desc: "close 1000 without reason", steps: steps(closeFrame(1000, "")), close: 1000},
		{ID: "7.3.4", Desc: "close 1000 with reason", steps: steps(closeFrame(1000, "Hello World!")), close: 1000},
		{ID: "7.3.5", Desc: "close 1000 with a 123-byte reason", steps: steps(closeFrame(1000, strings.Repeat("*", 123))), close: 1000},
		{ID: "7.3.6", Desc: "close 1000 with a 124-byte reason (control payload of 126)", steps: steps(closeFrame(1000, strings.Repeat("*", 124))), close: 1002},
		{ID: "7.5.1", Desc: "close 1000 with a reason that is not UTF-8", steps: steps(closeFrame(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited")), close: 1007},
	}
	valid := []uint16{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}
	for i, code := range valid {
		cs = append(cs, Case{ID: "7.7." + itoa(i+1), Desc: fmt.Sprintf("close with valid code %d", code),
			steps: steps(closeFrame(code, "")), close: int(code)})
	}
	for i, code := range []uint16{1012, 1013, 1014} {
		cs = append(cs, Case{ID: "7.7." + itoa(len(valid)+i+1), Desc: fmt.Sprintf("close with IANA-registered code %d", code),
			steps: steps(closeFrame(code, "")), close: int(code),
			Note: "1012-1014 are registered with IANA (service restart, try again later, bad gateway) and accepted, as browsers do; Autobahn's older releases listed them as invalid"})
	}
	invalid := []uint16{0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999, 1015}
	for i, code := range invalid {
		cs = append(cs, Case{ID: "7.9." + itoa(i+1), Desc: fmt.Sprintf("close with invalid code %d", code),
			steps: steps(closeFrame(code, "")), close: 1002})
	}
	cs = append(cs,
		Case{ID: "7.13.1", Desc: "close with code 5000 (out of range)", steps: steps(closeFrame(5000, "")), close: 1002},
		Case{ID: "7.13.2", Desc: "close with code 65535", steps: steps(closeFrame(65535, "")), close: 1002},
	)
	return cs
}

// limitCases model Autobahn group 9 at a size that keeps the suite fast ("performance-lite"),
// plus the message-size limit.
func limitCases() []Case {
	const mib = 1 << 20
	limit64K := Config{MaxMessageSize: 64 << 10}
	cs := []Case{}
	for i, n := range []int{64 << 10, 256 << 10, mib} {
		cs = append(cs,
			Case{ID: "9.1." + itoa(i+1), Desc: "text message of " + kib(n), steps: steps(text(textOf(n))), want: frames(eText(textOf(n))), close: 1000},
			Case{ID: "9.2." + itoa(i+1), Desc: "binary message of " + kib(n), steps: steps(binary(pattern(n))), want: frames(eBinary(pattern(n))), close: 1000},
		)
	}
	for i, size := range []int{64, 4 << 10, 64 << 10} {
		cs = append(cs,
			Case{ID: "9.3." + itoa(i+1), Desc: "1 MiB text in fragments of " + kib(size), steps: steps(fragments(1, []byte(textOf(mib)), size)),
				want: frames(eText(textOf(mib))), close: 1000},
			Case{ID: "9.4." + itoa(i+1), Desc: "1 MiB binary in fragments of " + kib(size), steps: steps(fragments(2, pattern(mib), size)),
				want: frames(eBinary(pattern(mib))), close: 1000},
			Case{ID: "9.5." + itoa(i+1), Desc: "1 MiB text in one frame, written in chops of " + kib(size), steps: steps(chopped(size, text(textOf(mib)))),
				want: frames(eText(textOf(mib))), close: 1000},
			Case{ID: "9.6." + itoa(i+1), Desc: "1 MiB binary in one frame, written in chops of " + kib(size), steps: steps(chopped(size, binary(pattern(mib)))),
				want: frames(eBinary(pattern(mib))), close: 1000},
		)
	}
	var many, manyBin []byte
	var echoes, echoesBin []frame
	for i := 0; i < 1000; i++ {
		s := fmt.Sprintf("message %07d", i)
		many = append(many, text(s)...)
		manyBin = append(manyBin, binary([]byte(s))...)
		echoes = append(echoes, eText(s))
		echoesBin = append(echoesBin, eBinary([]byte(s)))
	}
	// Bulk: more unread replies than the server's write bound (4 MiB by default) when the client
	// reads slowly, so only backpressure from the socket to the handler keeps them all.
	bulk := func(count, size int) ([]byte, []frame) {
		var in []byte
		var out []frame
		for i := 0; i < count; i++ {
			p := pattern(size)
			p[0], p[1] = byte(i), byte(i>>8) // each message its own
			in = append(in, binary(p)...)
			out = append(out, eBinary(p))
		}
		return in, out
	}
	bulk64K, echo64K := bulk(100, 64<<10)
	bulk1M, echo1M := bulk(16, mib)
	bulkNote := "Autobahn's 9.7/9.8 send 1000 messages; 100 x 64 KiB and 16 x 1 MiB keep the suite fast and still exceed the 4 MiB write bound"
	cs = append(cs,
		Case{ID: "9.7.1", Desc: "1000 small text messages in one write", steps: steps(many), want: echoes, close: 1000},
		Case{ID: "9.7.2", Desc: "100 binary messages of 64 KiB in one write", steps: steps(bulk64K), want: echo64K, close: 1000, Note: bulkNote},
		Case{ID: "9.7.3", Desc: "16 binary messages of 1 MiB in one write", steps: steps(bulk1M), want: echo1M, close: 1000, Note: bulkNote},
		Case{ID: "9.8.1", Desc: "1000 small binary messages in one write", steps: steps(manyBin), want: echoesBin, close: 1000},
		Case{ID: "9.9.1", Desc: "message one byte over the 64 KiB limit", steps: steps(binary(pattern(64<<10 + 1))), close: 1009,
			Config: limit64K, Note: "not in Autobahn: checks WithMaxMessageSize"},
		Case{ID: "9.9.2", Desc: "fragmented message growing over the 64 KiB limit", steps: steps(fragments(2, pattern(64<<10+1), 4096)), close: 1009,
			Config: limit64K, Note: "not in Autobahn: checks WithMaxMessageSize"},
		Case{ID: "9.9.3", Desc: "message exactly at the 64 KiB limit", steps: steps(binary(pattern(64 << 10))), want: frames(eBinary(pattern(64 << 10))), close: 1000,
			Config: limit64K, Note: "not in Autobahn: checks WithMaxMessageSize"},
	)
	return cs
}

func kib(n int) string {
	switch {
	case n >= 1<<20:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " B"
}
