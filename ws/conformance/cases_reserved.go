package conformance

// reservedAndOpcodeCases model Autobahn groups 3 (reserved bits) and 4 (opcodes).
func reservedAndOpcodeCases() []Case {
	hello := "Hello, world!"
	cs := []Case{
		{ID: "3.1", Desc: "text with RSV = 1", steps: steps(fr(1, true, 1, []byte(hello))), close: 1002},
		{ID: "3.2", Desc: "text, then text with RSV = 2, then ping", steps: steps(text(hello), fr(1, true, 2, []byte(hello)), ping(hello)),
			want: frames(eText(hello)), close: 1002},
		{ID: "3.3", Desc: "text, text with RSV = 3, ping, all in one write", steps: steps(send(text(hello), fr(1, true, 3, []byte(hello)), ping(hello))),
			want: frames(eText(hello)), close: 1002},
		{ID: "3.4", Desc: "text, text with RSV = 4, ping, sent octet by octet", steps: steps(chopped(1, text(hello), fr(1, true, 4, []byte(hello)), ping(hello))),
			want: frames(eText(hello)), close: 1002, Note: "RSV1 is only legal once permessage-deflate is negotiated (not here)"},
		{ID: "3.5", Desc: "binary with RSV = 5", steps: steps(fr(2, true, 5, pattern(8))), close: 1002},
		{ID: "3.6", Desc: "ping with RSV = 6", steps: steps(fr(9, true, 6, []byte(hello))), close: 1002},
		{ID: "3.7", Desc: "close with RSV = 7", steps: steps(fr(8, true, 7, nil)), close: 1002},
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
func reservedOpcodeCase(id string, op byte, variant int) Case {
	desc := "frame with reserved opcode " + itoa(int(op))
	switch variant {
	case 0:
		return Case{ID: id, Desc: desc, steps: steps(fr(op, true, 0, nil)), close: 1002}
	case 1:
		return Case{ID: id, Desc: desc + " and a payload", steps: steps(fr(op, true, 0, []byte("reserved"))), close: 1002}
	default:
		return Case{ID: id, Desc: "text, " + desc + " with payload, ping",
			steps: steps(text("Hello"), fr(op, true, 0, []byte("reserved")), ping("Hello")), want: frames(eText("Hello")), close: 1002}
	}
}
