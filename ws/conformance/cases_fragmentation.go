package conformance

// fragmentationCases model Autobahn group 5.
func fragmentationCases() []Case {
	f1, f2 := []byte("fragment1"), []byte("fragment2")
	msg := "fragment1fragment2"
	textFrags := []byte(nil)
	textFrags = append(append(textFrags, fr(1, false, 0, f1)...), fr(0, true, 0, f2)...)
	withPing := append(append(append([]byte(nil), fr(1, false, 0, f1)...), ping("ping payload")...), fr(0, true, 0, f2)...)
	contFin := fr(0, true, 0, []byte("non-continuation payload"))
	contNoFin := fr(0, false, 0, []byte("non-continuation payload"))
	five := func() ([]byte, []byte) { // 5.19/5.20: text in 5 fragments with pings after the 2nd and 4th
		var plain, pings []byte
		for i := 1; i <= 5; i++ {
			op := byte(0)
			if i == 1 {
				op = 1
			}
			f := fr(op, i == 5, 0, []byte("fragment"+itoa(i)))
			plain = append(plain, f...)
			pings = append(pings, f...)
			if i == 2 || i == 4 {
				pings = append(pings, ping("pongme "+itoa(i/2))...)
			}
		}
		return plain, pings
	}
	_, fivePings := five()
	fiveMsg := "fragment1fragment2fragment3fragment4fragment5"
	return []Case{
		{ID: "5.1", Desc: "ping in 2 fragments", steps: steps(fr(9, false, 0, f1), fr(0, true, 0, f2)), close: 1002},
		{ID: "5.2", Desc: "pong in 2 fragments", steps: steps(fr(10, false, 0, f1), fr(0, true, 0, f2)), close: 1002},
		{ID: "5.3", Desc: "text in 2 fragments", steps: steps(fr(1, false, 0, f1), fr(0, true, 0, f2)), want: frames(eText(msg)), close: 1000},
		{ID: "5.4", Desc: "text in 2 fragments, one write", steps: steps(send(textFrags)), want: frames(eText(msg)), close: 1000},
		{ID: "5.5", Desc: "text in 2 fragments, sent octet by octet", steps: steps(chopped(1, textFrags)), want: frames(eText(msg)), close: 1000},
		{ID: "5.6", Desc: "text in 2 fragments with a ping between", steps: each(fr(1, false, 0, f1), ping("ping payload"), fr(0, true, 0, f2)),
			want: frames(ePong("ping payload"), eText(msg)), close: 1000},
		{ID: "5.7", Desc: "text in 2 fragments with a ping between, one write", steps: steps(send(withPing)),
			want: frames(ePong("ping payload"), eText(msg)), close: 1000},
		{ID: "5.8", Desc: "text in 2 fragments with a ping between, octet by octet", steps: steps(chopped(1, withPing)),
			want: frames(ePong("ping payload"), eText(msg)), close: 1000},
		{ID: "5.9", Desc: "continuation (FIN) with nothing to continue, then text", steps: steps(contFin, text("Hello, world!")), close: 1002},
		{ID: "5.10", Desc: "same as 5.9, one write", steps: steps(send(contFin, text("Hello, world!"))), close: 1002},
		{ID: "5.11", Desc: "same as 5.9, octet by octet", steps: steps(chopped(1, contFin, text("Hello, world!"))), close: 1002},
		{ID: "5.12", Desc: "continuation (no FIN) with nothing to continue, then text", steps: steps(contNoFin, text("Hello, world!")), close: 1002},
		{ID: "5.13", Desc: "same as 5.12, one write", steps: steps(send(contNoFin, text("Hello, world!"))), close: 1002},
		{ID: "5.14", Desc: "same as 5.12, octet by octet", steps: steps(chopped(1, contNoFin, text("Hello, world!"))), close: 1002},
		{ID: "5.15", Desc: "text in 2 fragments, then continuation (no FIN), then text", steps: steps(
			fr(1, false, 0, f1), fr(0, true, 0, f2), fr(0, false, 0, []byte("fragment3")), fr(0, true, 0, []byte("fragment4"))),
			want: frames(eText(msg)), close: 1002},
		{ID: "5.16", Desc: "repeated twice: continuation (no FIN), text (no FIN), continuation (FIN)", steps: steps(
			fr(0, false, 0, f1), fr(1, false, 0, f2), fr(0, true, 0, []byte("fragment3")),
			fr(0, false, 0, f1), fr(1, false, 0, f2), fr(0, true, 0, []byte("fragment3"))), close: 1002},
		{ID: "5.17", Desc: "repeated twice: continuation (FIN), text (no FIN), continuation (FIN)", steps: steps(
			fr(0, true, 0, f1), fr(1, false, 0, f2), fr(0, true, 0, []byte("fragment3")),
			fr(0, true, 0, f1), fr(1, false, 0, f2), fr(0, true, 0, []byte("fragment3"))), close: 1002},
		{ID: "5.18", Desc: "text in 2 fragments, both with opcode text", steps: steps(fr(1, false, 0, f1), fr(1, true, 0, f2)), close: 1002},
		{ID: "5.19", Desc: "text in 5 fragments with pings in between, one write per frame", steps: splitFrames(fivePings),
			want: frames(ePong("pongme 1"), ePong("pongme 2"), eText(fiveMsg)), close: 1000},
		{ID: "5.20", Desc: "same as 5.19, octet by octet", steps: steps(chopped(1, fivePings)),
			want: frames(ePong("pongme 1"), ePong("pongme 2"), eText(fiveMsg)), close: 1000},
	}
}

// splitFrames writes each frame of a concatenation separately.
func splitFrames(p []byte) []step {
	var s []step
	for len(p) > 0 {
		n := 6 + int(p[1]&0x7f) // short frames only (masked, 7-bit length)
		s = append(s, send(p[:n]))
		p = p[n:]
	}
	return s
}
