package conformance

import "strings"

// utf8Vector is a payload of Autobahn group 6 (after Markus Kuhn's UTF-8 decoder stress test).
type utf8Vector struct {
	id    string
	desc  string
	s     string
	valid bool
}

func utf8Vectors() []utf8Vector {
	kosme := "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5" // κόσμε
	var lonely2, lonely3, lonely4 strings.Builder
	for c := 0xc0; c <= 0xdf; c++ {
		lonely2.WriteString(string([]byte{byte(c), ' '}))
	}
	for c := 0xe0; c <= 0xef; c++ {
		lonely3.WriteString(string([]byte{byte(c), ' '}))
	}
	for c := 0xf0; c <= 0xf7; c++ {
		lonely4.WriteString(string([]byte{byte(c), ' '}))
	}
	var allCont []byte
	for c := 0x80; c <= 0xbf; c++ {
		allCont = append(allCont, byte(c))
	}
	vs := []utf8Vector{
		{"6.5.1", "valid: κόσμε", kosme, true},
		{"6.5.2", "valid: mixed scripts", "Hello-µ@ßöäüàá-UTF-8!! Ελληνικά русский 日本語 한국어", true},
		{"6.5.3", "valid: emoji and supplementary planes", "😀🚀𝄞𠜎", true},
		{"6.5.4", "valid: empty", "", true},
		{"6.5.5", "valid: only ASCII", "ASCII only", true},
		{"6.7.1", "first possible 1-byte sequence U+0000", "\x00", true},
		{"6.7.2", "first possible 2-byte sequence U+0080", "\xc2\x80", true},
		{"6.7.3", "first possible 3-byte sequence U+0800", "\xe0\xa0\x80", true},
		{"6.7.4", "first possible 4-byte sequence U+10000", "\xf0\x90\x80\x80", true},
		{"6.8.1", "5-byte sequence", "\xf8\x88\x80\x80\x80", false},
		{"6.8.2", "6-byte sequence", "\xfc\x84\x80\x80\x80\x80", false},
		{"6.9.1", "last possible 1-byte sequence U+007F", "\x7f", true},
		{"6.9.2", "last possible 2-byte sequence U+07FF", "\xdf\xbf", true},
		{"6.9.3", "last possible 3-byte sequence U+FFFF", "\xef\xbf\xbf", true},
		{"6.9.4", "last possible 4-byte sequence U+10FFFF", "\xf4\x8f\xbf\xbf", true},
		{"6.10.1", "4-byte sequence beyond U+10FFFF", "\xf7\xbf\xbf\xbf", false},
		{"6.10.2", "5-byte sequence 0xFB", "\xfb\xbf\xbf\xbf\xbf", false},
		{"6.10.3", "6-byte sequence 0xFD", "\xfd\xbf\xbf\xbf\xbf\xbf", false},
		{"6.11.1", "U+D7FF", "\xed\x9f\xbf", true},
		{"6.11.2", "U+E000", "\xee\x80\x80", true},
		{"6.11.3", "U+FFFD", "\xef\xbf\xbd", true},
		{"6.11.4", "U+10FFFF", "\xf4\x8f\xbf\xbf", true},
		{"6.11.5", "U+110000", "\xf4\x90\x80\x80", false},
		{"6.12.1", "first continuation byte 0x80", "\x80", false},
		{"6.12.2", "last continuation byte 0xBF", "\xbf", false},
		{"6.12.3", "2 continuation bytes", "\x80\xbf", false},
		{"6.12.4", "3 continuation bytes", "\x80\xbf\x80", false},
		{"6.12.5", "4 continuation bytes", "\x80\xbf\x80\xbf", false},
		{"6.12.6", "5 continuation bytes", "\x80\xbf\x80\xbf\x80", false},
		{"6.12.7", "6 continuation bytes", "\x80\xbf\x80\xbf\x80\xbf", false},
		{"6.12.8", "all 64 continuation bytes", string(allCont), false},
		{"6.13.1", "lonely 2-byte start bytes, each followed by a space", lonely2.String(), false},
		{"6.13.2", "lonely 3-byte start bytes, each followed by a space", lonely3.String(), false},
		{"6.13.3", "lonely 4-byte start bytes, each followed by a space", lonely4.String(), false},
		{"6.13.4", "lonely 5-byte start bytes", "\xf8 \xf9 \xfa \xfb ", false},
		{"6.13.5", "lonely 6-byte start bytes", "\xfc \xfd ", false},
		{"6.14.1", "2-byte sequence with last byte missing (U+0000)", "\xc0", false},
		{"6.14.2", "3-byte sequence with last byte missing (U+0000)", "\xe0\x80", false},
		{"6.14.3", "4-byte sequence with last byte missing (U+0000)", "\xf0\x80\x80", false},
		{"6.14.4", "5-byte sequence with last byte missing", "\xf8\x80\x80\x80", false},
		{"6.14.5", "6-byte sequence with last byte missing", "\xfc\x80\x80\x80\x80", false},
		{"6.14.6", "2-byte sequence with last byte missing (U+07FF)", "\xdf", false},
		{"6.14.7", "3-byte sequence with last byte missing (U+FFFF)", "\xef\xbf", false},
		{"6.14.8", "4-byte sequence with last byte missing", "\xf7\xbf\xbf", false},
		{"6.14.9", "5-byte sequence with last byte missing", "\xfb\xbf\xbf\xbf", false},
		{"6.14.10", "6-byte sequence with last byte missing", "\xfd\xbf\xbf\xbf\xbf", false},
		{"6.15.1", "concatenation of incomplete sequences", "\xc0\xe0\x80\xf0\x80\x80\xf8\x80\x80\x80\xfc\x80\x80\x80\x80\xdf\xef\xbf\xf7\xbf\xbf\xfb\xbf\xbf\xbf\xfd\xbf\xbf\xbf\xbf", false},
		{"6.16.1", "impossible byte 0xFE", "\xfe", false},
		{"6.16.2", "impossible byte 0xFF", "\xff", false},
		{"6.16.3", "impossible bytes 0xFE 0xFE 0xFF 0xFF", "\xfe\xfe\xff\xff", false},
		{"6.17.1", "overlong '/' in 2 bytes", "\xc0\xaf", false},
		{"6.17.2", "overlong '/' in 3 bytes", "\xe0\x80\xaf", false},
		{"6.17.3", "overlong '/' in 4 bytes", "\xf0\x80\x80\xaf", false},
		{"6.17.4", "overlong '/' in 5 bytes", "\xf8\x80\x80\x80\xaf", false},
		{"6.17.5", "overlong '/' in 6 bytes", "\xfc\x80\x80\x80\x80\xaf", false},
		{"6.18.1", "maximum overlong 2-byte sequence", "\xc1\xbf", false},
		{"6.18.2", "maximum overlong 3-byte sequence", "\xe0\x9f\xbf", false},
		{"6.18.3", "maximum overlong 4-byte sequence", "\xf0\x8f\xbf\xbf", false},
		{"6.18.4", "maximum overlong 5-byte sequence", "\xf8\x87\xbf\xbf\xbf", false},
		{"6.18.5", "maximum overlong 6-byte sequence", "\xfc\x83\xbf\xbf\xbf\xbf", false},
		{"6.19.1", "overlong NUL in 2 bytes", "\xc0\x80", false},
		{"6.19.2", "overlong NUL in 3 bytes", "\xe0\x80\x80", false},
		{"6.19.3", "overlong NUL in 4 bytes", "\xf0\x80\x80\x80", false},
		{"6.19.4", "overlong NUL in 5 bytes", "\xf8\x80\x80\x80\x80", false},
		{"6.19.5", "overlong NUL in 6 bytes", "\xfc\x80\x80\x80\x80\x80", false},
		{"6.20.1", "single UTF-16 surrogate U+D800", "\xed\xa0\x80", false},
		{"6.20.2", "single UTF-16 surrogate U+DB7F", "\xed\xad\xbf", false},
		{"6.20.3", "single UTF-16 surrogate U+DB80", "\xed\xae\x80", false},
		{"6.20.4", "single UTF-16 surrogate U+DBFF", "\xed\xaf\xbf", false},
		{"6.20.5", "single UTF-16 surrogate U+DC00", "\xed\xb0\x80", false},
		{"6.20.6", "single UTF-16 surrogate U+DF80", "\xed\xbe\x80", false},
		{"6.20.7", "single UTF-16 surrogate U+DFFF", "\xed\xbf\xbf", false},
		{"6.21.1", "paired surrogates U+D800 U+DC00", "\xed\xa0\x80\xed\xb0\x80", false},
		{"6.21.2", "paired surrogates U+D800 U+DFFF", "\xed\xa0\x80\xed\xbf\xbf", false},
		{"6.21.3", "paired surrogates U+DB7F U+DC00", "\xed\xad\xbf\xed\xb0\x80", false},
		{"6.21.4", "paired surrogates U+DB7F U+DFFF", "\xed\xad\xbf\xed\xbf\xbf", false},
		{"6.21.5", "paired surrogates U+DB80 U+DC00", "\xed\xae\x80\xed\xb0\x80", false},
		{"6.21.6", "paired surrogates U+DB80 U+DFFF", "\xed\xae\x80\xed\xbf\xbf", false},
		{"6.21.7", "paired surrogates U+DBFF U+DC00", "\xed\xaf\xbf\xed\xb0\x80", false},
		{"6.21.8", "paired surrogates U+DBFF U+DFFF", "\xed\xaf\xbf\xed\xbf\xbf", false},
		{"6.22.1", "noncharacter U+FFFE", "\xef\xbf\xbe", true},
		{"6.22.2", "noncharacter U+FFFF", "\xef\xbf\xbf", true},
		{"6.22.3", "noncharacter U+1FFFE", "\xf0\x9f\xbf\xbe", true},
		{"6.22.4", "noncharacter U+10FFFF", "\xf4\x8f\xbf\xbf", true},
		{"6.22.5", "noncharacter U+FDD0", "\xef\xb7\x90", true},
		{"6.23.1", "U+FFFD replacement character", "\xef\xbf\xbd", true},
		{"6.23.2", "U+FEFF byte order mark", "\xef\xbb\xbf", true},
		{"6.23.3", "U+0000 inside text", "a\x00b", true},
	}
	// 6.6.x: every prefix of κόσμε; a prefix that cuts a code point is invalid at the end.
	for i := 1; i <= len(kosme); i++ {
		p := kosme[:i]
		valid := i == 2 || i == 5 || i == 7 || i == 9 || i == 11
		vs = append(vs, utf8Vector{"6.6." + itoa(i), "prefix of κόσμε of " + itoa(i) + " bytes", p, valid})
	}
	return vs
}

// utf8Cases model Autobahn group 6.
func utf8Cases() []Case {
	kosme := "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
	hello := "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!"
	octetFrames := func(s string) []byte {
		var out []byte
		for i := 0; i < len(s); i++ {
			op := byte(0)
			if i == 0 {
				op = 1
			}
			out = append(out, fr(op, i == len(s)-1, 0, []byte{s[i]})...)
		}
		return out
	}
	invalid := kosme + "\xed\xa0\x80" + "edited"
	cs := []Case{
		{ID: "6.1.1", Desc: "empty text message", steps: steps(text("")), want: frames(eText("")), close: 1000},
		{ID: "6.1.2", Desc: "text in 3 empty fragments", steps: steps(fr(1, false, 0, nil), fr(0, false, 0, nil), fr(0, true, 0, nil)),
			want: frames(eText("")), close: 1000},
		{ID: "6.1.3", Desc: "text in 3 fragments: empty, non-empty, empty", steps: steps(fr(1, false, 0, nil), fr(0, false, 0, []byte("middle frame payload")), fr(0, true, 0, nil)),
			want: frames(eText("middle frame payload")), close: 1000},
		{ID: "6.2.1", Desc: "valid UTF-8 in one frame", steps: steps(text(hello)), want: frames(eText(hello)), close: 1000},
		{ID: "6.2.2", Desc: "valid UTF-8 in 2 fragments split on a code point boundary", steps: steps(fragments(1, []byte(hello), 13)),
			want: frames(eText(hello)), close: 1000},
		{ID: "6.2.3", Desc: "valid UTF-8 in one fragment per octet", steps: steps(octetFrames(hello)), want: frames(eText(hello)), close: 1000},
		{ID: "6.2.4", Desc: "κόσμε in one fragment per octet (splits inside code points)", steps: steps(octetFrames(kosme)),
			want: frames(eText(kosme)), close: 1000},
		{ID: "6.3.1", Desc: "invalid UTF-8 (surrogate) in one frame", steps: steps(text(invalid)), close: 1007},
		{ID: "6.3.2", Desc: "invalid UTF-8 in one fragment per octet", steps: steps(octetFrames(invalid)), close: 1007},
		{ID: "6.4.1", Desc: "fail fast: valid fragment, then fragment starting with an invalid sequence, then the rest",
			steps: steps(fr(1, false, 0, []byte(kosme)), fr(0, false, 0, []byte("\xf4\x90\x80\x80")), awaitClose, fr(0, true, 0, []byte("edited"))), close: 1007},
		{ID: "6.4.2", Desc: "fail fast: the invalid sequence is split between fragments",
			steps: steps(fr(1, false, 0, []byte(kosme+"\xf4")), fr(0, false, 0, []byte("\x90")), awaitClose, fr(0, true, 0, []byte("\x80\x80edited"))), close: 1007},
		{ID: "6.4.3", Desc: "fail fast inside one frame: header and valid part, invalid part, then the rest", steps: func() []step {
			f := text(kosme + "\xf4\x90\x80\x80" + "edited")
			h := len(f) - len(kosme) - 10
			return steps(send(f[:h+len(kosme)]), send(f[h+len(kosme):h+len(kosme)+4]), awaitClose, send(f[h+len(kosme)+4:]))
		}(), close: 1007},
		{ID: "6.4.4", Desc: "fail fast inside one frame, the invalid sequence split between writes", steps: func() []step {
			f := text(kosme + "\xf4\x90\x80\x80" + "edited")
			h := len(f) - len(kosme) - 10
			k := h + len(kosme)
			return steps(send(f[:k+1]), send(f[k+1:k+2]), awaitClose, send(f[k+2:]))
		}(), close: 1007},
	}
	for _, v := range utf8Vectors() {
		tc := Case{ID: v.id, Desc: v.desc, steps: steps(text(v.s))}
		if v.valid {
			tc.want, tc.close = frames(eText(v.s)), 1000
		} else {
			tc.close = 1007
		}
		cs = append(cs, tc)
	}
	return cs
}
