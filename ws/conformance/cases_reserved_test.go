package conformance

// reservedAndOpcodeCases model Autobahn groups 3 (reserved bits) and 4 (opcodes).
func reservedAndOpcodeCases() []testCase {
	hello := "Hello, world!"
	cs := []testCase{
		{id: "3.1", desc: "text with RSV = 1", steps: steps(fr(1, true, 1, []byte(hello))), close: 1002},
		{id: "3.2", desc: "text, then text with RSV = 2, then ping", steps: steps(text(hello), fr(1, true, 2, []byte(hello)), ping(hello)),
			want: frames(eText(hello)), close: 1002},
		{id: "3.3", desc: "text, text with RSV = 3, ping, all in one write", steps: steps(send(text(hello), fr(1, true, 3, []byte(hello)), ping(hello))),
			want: frames(eText(hello)), close: 1002},
		{id: "3.4", desc: "text, text with RSV = 4, ping, sent octet by octet", steps: steps(chopped(1, text(hello), fr(1, true, 4, []byte(hello)), ping(hello))),
			want: frames(eText(hello)), close: 1002, note: "RSV1 is only legal once permessage-deflate is negotiated (not here)"},
		{id: "3.5", desc: "binary with RSV = 5", steps: steps(fr(2, true, 5, pattern(8))), close: 1002},
		{id: "3.6", desc: "ping with RSV = 6", steps: steps(fr(9, true, 6, []byte(hello))), close: 1002},
		{id: "3.7", desc: "close with RSV = 7", steps: steps(fr(8, true, 7, nil)), close: 1002},
	}
	for i, op := range []byte{3, 4, 5, 6, 7} {
		cs = append(cs, reservedOpcodeCase("4.1."+itoa(i+1), op, i))
	}
	for i, op := range []byte{11, 12, 13, 14, 15} {
		cs = append(cs, reservedOpcodeCase("4.2."+itoa(i+1), op, i))
	}
	return cs
}

// reservedOpcodeCase follows Autobahn's pattern: plain, with payload, then between a text
// message and a ping.
func reservedOpcodeCase(id string, op byte, variant int) testCase {
	desc := "frame with reserved opcode " + itoa(int(op))
	switch variant {
	case 0:
		return testCase{id: id, desc: desc, steps: steps(fr(op, true, 0, nil)), close: 1002}
	case 1:
		return testCase{id: id, desc: desc + " and a payload", steps: steps(fr(op, true, 0, []byte("reserved"))), close: 1002}
	default:
		return testCase{id: id, desc: "text, " + desc + " with payload, ping",
			steps: steps(text("Hello"), fr(op, true, 0, []byte("reserved")), ping("Hello")), want: frames(eText("Hello")), close: 1002}
	}
}
