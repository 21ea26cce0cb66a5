package framing

import "math"

// Decoder decodes a stream of messages incrementally. Feed it whatever bytes arrived, in
// any split; it calls back once per complete message, in order, and keeps only the bytes
// of a message that is not complete yet.
//
// Memory: an idle Decoder (no partial message) holds no buffer. A partial header is kept
// in a buffer of HeaderLen bytes; once a header is known and its body is not all there,
// the body is assembled in one buffer allocated to the exact body length, which is
// released (or, in owned mode, handed over) when the message completes. A body longer
// than the maximum is refused on its header, before anything is allocated for it.
//
// The zero value is a ready Decoder for the [Default] format with no body limit and
// borrowed payloads. A Decoder is not safe for concurrent use; one per connection.
type Decoder struct {
	packer  Packer
	maxBody uint32 // 0: no limit
	buf     []byte // partial header (cap == header length) or partial body (cap == body length); nil when idle
	id      uint32 // id of the partial body
	hlen    int32  // cached packer.HeaderLen(); 0 until first use
	inBody  bool   // buf holds a body, not a header
	owned   bool
}

// DecoderOption configures a Decoder.
type DecoderOption func(*Decoder)

// WithMaxBodyLength refuses, with ErrBodyTooLarge, any message whose header declares a
// body longer than n bytes. 0 (the default) means no limit. The type is that of the
// seed framework's body length (and of netman's server.WithMaxBodyLength). Without a limit a peer can make the Decoder allocate up to whatever its header
// declares (4 GiB with the default packer), so servers facing untrusted peers should set one.
func WithMaxBodyLength(n uint32) DecoderOption {
	return func(d *Decoder) { d.maxBody = n }
}

// WithOwnedPayloads makes every payload handed to the callback a fresh slice that the
// callee owns and may keep, for example to pass to another goroutine. A message that
// was assembled across several Feed calls is handed over in the buffer it was assembled
// in, without a further copy; a message whole within one Feed is copied out of it.
func WithOwnedPayloads() DecoderOption {
	return func(d *Decoder) { d.owned = true }
}

// NewDecoder returns a Decoder for the format of p (nil means [Default]).
func NewDecoder(p Packer, opts ...DecoderOption) *Decoder {
	d := &Decoder{packer: p}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Feed decodes data, calling fn for every message completed by it, in order. data is not
// retained after Feed returns.
//
// Unless the Decoder was built WithOwnedPayloads, payload is only valid during the call
// to fn: it may point into data. Its capacity is limited to its length, so appending to
// it never overwrites the next message.
//
// Feed stops at the first error and returns it: an error from the header (ErrBodyTooLarge,
// ErrInvalidHeader, or the packer's own) or the error fn returned. The bytes after that
// point are dropped and the Decoder is left idle; since the stream position is lost, the
// connection should be closed. fn must not call Feed on the same Decoder.
func (d *Decoder) Feed(data []byte, fn func(id uint32, payload []byte) error) error {
	if d.hlen == 0 {
		if err := d.init(); err != nil {
			return err
		}
	}
	hlen := int(d.hlen)

	// Complete the partial message first.
	for d.buf != nil && len(data) > 0 {
		n := len(d.buf)
		k := copy(d.buf[n:cap(d.buf)], data)
		d.buf = d.buf[:n+k]
		data = data[k:]
		if len(d.buf) < cap(d.buf) {
			return nil
		}
		if d.inBody {
			payload := d.buf
			d.buf, d.inBody = nil, false
			if err := fn(d.id, payload); err != nil {
				return err
			}
			continue
		}
		id, bodyLen, err := d.header(d.buf)
		d.buf = nil
		if err != nil {
			return err
		}
		if len(data) < bodyLen {
			d.startBody(id, bodyLen, data)
			return nil
		}
		payload := d.payload(data[:bodyLen:bodyLen])
		data = data[bodyLen:]
		if err := fn(id, payload); err != nil {
			return err
		}
	}

	// Whole messages straight from data.
	for len(data) >= hlen {
		id, bodyLen, err := d.header(data[:hlen])
		if err != nil {
			return err
		}
		rest := data[hlen:]
		if len(rest) < bodyLen {
			d.startBody(id, bodyLen, rest)
			return nil
		}
		payload := d.payload(rest[:bodyLen:bodyLen])
		data = rest[bodyLen:]
		if err := fn(id, payload); err != nil {
			return err
		}
	}
	if len(data) > 0 {
		d.buf = make([]byte, len(data), hlen)
		copy(d.buf, data)
	}
	return nil
}

// Buffered returns the number of bytes held for a partial message; 0 when idle.
func (d *Decoder) Buffered() int { return len(d.buf) }

// Idle reports whether the Decoder is between messages: nothing of a next
// message has arrived, not even its header. Buffered can be 0 while a
// decoded header waits for its body; Idle is then false.
func (d *Decoder) Idle() bool { return d.buf == nil }

// Reset drops any partial message and releases its buffer, readying the Decoder for a
// new stream with the same configuration.
func (d *Decoder) Reset() { d.buf, d.inBody, d.id = nil, false, 0 }

func (d *Decoder) init() error {
	if d.packer == nil {
		d.packer = Default
	}
	h := d.packer.HeaderLen()
	if h <= 0 || h > math.MaxInt32 {
		return ErrInvalidHeader
	}
	d.hlen = int32(h)
	return nil
}

func (d *Decoder) header(h []byte) (uint32, int, error) {
	return decodeHeader(d.packer, h, d.maxBody)
}

// startBody keeps the first bytes of a body that is not complete yet, in a buffer of the
// body's exact size.
func (d *Decoder) startBody(id uint32, bodyLen int, have []byte) {
	d.buf = make([]byte, len(have), bodyLen)
	copy(d.buf, have)
	d.id, d.inBody = id, true
}

func (d *Decoder) payload(p []byte) []byte {
	if !d.owned {
		return p
	}
	c := make([]byte, len(p))
	copy(c, p)
	return c
}

func decodeHeader(p Packer, h []byte, maxBody uint32) (uint32, int, error) {
	id, n, err := p.DecodeHeader(h)
	if err != nil {
		return id, 0, err
	}
	if n < 0 {
		return id, 0, ErrInvalidHeader
	}
	if maxBody > 0 && uint64(n) > uint64(maxBody) {
		return id, 0, bodyTooLarge(id, uint64(n), uint64(maxBody))
	}
	return id, n, nil
}

// DecodeMessage decodes the first message in data without keeping any state: for callers
// that keep unconsumed bytes themselves. It returns the message and n, the number of
// bytes it took (header plus body); n == 0 with a nil error means data does not hold a
// whole message yet. payload points into data. A header that declares a body longer than
// maxBody (0 means no limit) fails with ErrBodyTooLarge as soon as the header is there.
func DecodeMessage(p Packer, data []byte, maxBody uint32) (id uint32, payload []byte, n int, err error) {
	hlen := p.HeaderLen()
	if hlen <= 0 {
		return 0, nil, 0, ErrInvalidHeader
	}
	if len(data) < hlen {
		return 0, nil, 0, nil
	}
	id, bodyLen, err := decodeHeader(p, data[:hlen], maxBody)
	if err != nil {
		return id, nil, 0, err
	}
	if len(data)-hlen < bodyLen {
		return 0, nil, 0, nil
	}
	end := hlen + bodyLen
	return id, data[hlen:end:end], end, nil
}
