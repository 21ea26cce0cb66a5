package netpoll

import "fmt"

// Input holds the bytes a handler left unconsumed, for a layer that hands a
// stream to its handler with OnData's contract: the handler returns how many
// bytes it consumed, and the rest is presented again, followed by the next
// bytes. netpoll keeps one per connection for its Handler; tlsconn keeps one
// for the plaintext it hands to its own. The zero value is empty and holds
// no memory; an Input that holds nothing never keeps a buffer.
type Input struct{ b []byte }

// Len returns the number of bytes kept (0 for a nil *Input).
func (in *Input) Len() int {
	if in == nil {
		return 0
	}
	return len(in.b)
}

// Bytes returns the bytes kept, valid until the next call of another method
// (nil for a nil *Input).
func (in *Input) Bytes() []byte {
	if in == nil {
		return nil
	}
	return in.b
}

// Append returns what to hand the handler next: the kept bytes followed by
// data (copied behind them), or data itself when nothing is kept, so the
// common case copies nothing.
func (in *Input) Append(data []byte) []byte {
	if in.b == nil {
		return data
	}
	in.b = append(in.b, data...)
	return in.b
}

// Keep records the outcome of a handler call: it consumed n bytes of data,
// the slice Append (or Bytes) returned. The rest is kept, copied out of data
// unless it is already the kept buffer. More than limit bytes left over is
// refused with ErrInputTooLarge, and a count outside [0, len(data)] with an
// error; either way nothing is kept.
func (in *Input) Keep(data []byte, n, limit int) error {
	if n < 0 || n > len(data) {
		in.b = nil
		return fmt.Errorf("netpoll: handler consumed %d of %d bytes", n, len(data))
	}
	rest := data[n:]
	switch {
	case len(rest) == 0:
		in.b = nil
	case len(rest) > limit:
		in.b = nil
		return ErrInputTooLarge
	case in.b == nil:
		in.b = append(make([]byte, 0, len(rest)), rest...)
	case n > 0:
		in.b = append(in.b[:0], rest...)
	}
	return nil
}

// Reset drops the bytes kept and their buffer.
func (in *Input) Reset() { in.b = nil }
