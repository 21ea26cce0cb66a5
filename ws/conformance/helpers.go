package conformance

import (
	"bytes"
	"compress/flate"
	"sort"
	"strconv"
	"strings"

	"github.com/netman-go/netman/ws/internal/wstest"
)

// Client frames (masked).
func fr(op byte, fin bool, rsv byte, payload []byte) []byte {
	return wstest.Frame(op, fin, rsv, payload)
}
func text(s string) []byte                    { return fr(1, true, 0, []byte(s)) }
func binary(p []byte) []byte                  { return fr(2, true, 0, p) }
func ping(s string) []byte                    { return fr(9, true, 0, []byte(s)) }
func pong(s string) []byte                    { return fr(10, true, 0, []byte(s)) }
func closeFrame(code uint16, r string) []byte { return fr(8, true, 0, wstest.ClosePayload(code, r)) }

// Steps.
func send(frames ...[]byte) step           { return step{data: bytes.Join(frames, nil)} }
func chopped(n int, frames ...[]byte) step { return step{data: bytes.Join(frames, nil), chop: n} }
func each(frames ...[]byte) []step {
	var s []step
	for _, f := range frames {
		s = append(s, send(f))
	}
	return s
}

var awaitClose = step{await: true}

func steps(parts ...any) []step {
	var out []step
	for _, p := range parts {
		switch v := p.(type) {
		case step:
			out = append(out, v)
		case []step:
			out = append(out, v...)
		case []byte:
			out = append(out, send(v))
		default:
			panic("steps: bad part")
		}
	}
	return out
}

// Expected server frames.
func eText(s string) frame       { return frame{op: 1, payload: []byte(s)} }
func eBinary(p []byte) frame     { return frame{op: 2, payload: p} }
func ePong(s string) frame       { return frame{op: 10, payload: []byte(s)} }
func frames(fs ...frame) []frame { return fs }

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

func textOf(n int) string { return strings.Repeat("*", n) }

// fragments splits p into frames of at most size bytes, the first with opcode op.
func fragments(op byte, p []byte, size int) []byte {
	var out []byte
	first := true
	for first || len(p) > 0 {
		n := min(size, len(p))
		o := byte(0)
		if first {
			o = op
		}
		out = append(out, fr(o, n == len(p), 0, p[:n])...)
		p = p[n:]
		first = false
	}
	return out
}

// compressed returns a masked permessage-deflate frame (RSV1) of p, compressed afresh as a
// client without context takeover does.
func compressed(op byte, p []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.DefaultCompression)
	w.Write(p)
	w.Flush()
	z := b.Bytes()
	return fr(op, true, 4, z[:len(z)-4])
}

// sortCases orders cases by their numeric id ("13.10.1" after "13.9.1").
func sortCases(cs []Case) {
	key := func(id string) []int {
		var k []int
		for _, p := range strings.Split(id, ".") {
			n, _ := strconv.Atoi(p)
			k = append(k, n)
		}
		return k
	}
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := key(cs[i].ID), key(cs[j].ID)
		for x := 0; x < len(a) && x < len(b); x++ {
			if a[x] != b[x] {
				return a[x] < b[x]
			}
		}
		return len(a) < len(b)
	})
}
