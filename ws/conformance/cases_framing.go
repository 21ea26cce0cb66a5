package conformance

import "strings"

// framingCases model Autobahn groups 1 (framing) and 2 (pings/pongs).
func framingCases() []Case {
	var cs []Case
	sizes := []int{0, 125, 126, 127, 128, 65535, 65536}
	for i, n := range sizes {
		cs = append(cs, Case{ID: "1.1." + itoa(i+1), Desc: "text message with payload length " + itoa(n),
			steps: steps(text(textOf(n))), want: frames(eText(textOf(n))), close: 1000})
	}
	cs = append(cs, Case{ID: "1.1.8", Desc: "text message with payload length 65536, sent in chops of 997 octets",
		steps: steps(chopped(997, text(textOf(65536)))), want: frames(eText(textOf(65536))), close: 1000})
	for i, n := range sizes {
		cs = append(cs, Case{ID: "1.2." + itoa(i+1), Desc: "binary message with payload length " + itoa(n),
			steps: steps(binary(pattern(n))), want: frames(eBinary(pattern(n))), close: 1000})
	}
	cs = append(cs, Case{ID: "1.2.8", Desc: "binary message with payload length 65536, sent in chops of 997 octets",
		steps: steps(chopped(997, binary(pattern(65536)))), want: frames(eBinary(pattern(65536))), close: 1000})

	payload125 := strings.Repeat("\xfe", 125)
	tenPings := func() ([]step, []frame) {
		var s []step
		var f []frame
		for i := 0; i < 10; i++ {
			p := "payload-" + itoa(i)
			s = append(s, send(ping(p)))
			f = append(f, ePong(p))
		}
		return s, f
	}
	pingSteps, pongs := tenPings()
	var chopSteps []step
	for _, s := range pingSteps {
		chopSteps = append(chopSteps, chopped(1, s.data))
	}
	cs = append(cs,
		Case{ID: "2.1", Desc: "ping without payload", steps: steps(ping("")), want: frames(ePong("")), close: 1000},
		Case{ID: "2.2", Desc: "ping with small text payload", steps: steps(ping("Hello, world!")), want: frames(ePong("Hello, world!")), close: 1000},
		Case{ID: "2.3", Desc: "ping with small binary payload", steps: steps(fr(9, true, 0, []byte{0, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0, 0xff})),
			want: frames(frame{op: 10, payload: []byte{0, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0, 0xff}}), close: 1000},
		Case{ID: "2.4", Desc: "ping with 125-byte binary payload", steps: steps(ping(payload125)), want: frames(ePong(payload125)), close: 1000},
		Case{ID: "2.5", Desc: "ping with 126-byte payload (too long for a control frame)", steps: steps(ping(payload125 + "x")), close: 1002},
		Case{ID: "2.6", Desc: "ping with 125-byte payload sent octet by octet", steps: steps(chopped(1, ping(payload125))), want: frames(ePong(payload125)), close: 1000},
		Case{ID: "2.7", Desc: "unsolicited pong without payload", steps: steps(pong("")), close: 1000},
		Case{ID: "2.8", Desc: "unsolicited pong with payload", steps: steps(pong("unsolicited pong payload")), close: 1000},
		Case{ID: "2.9", Desc: "unsolicited pong, then ping", steps: steps(pong("unsolicited pong payload"), ping("ping payload")),
			want: frames(ePong("ping payload")), close: 1000},
		Case{ID: "2.10", Desc: "10 pings in one write", steps: steps(send(joinSteps(pingSteps))), want: pongs, close: 1000},
		Case{ID: "2.11", Desc: "10 pings, each sent octet by octet", steps: chopSteps, want: pongs, close: 1000},
	)
	return cs
}

func joinSteps(s []step) []byte {
	var b []byte
	for _, x := range s {
		b = append(b, x.data...)
	}
	return b
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
