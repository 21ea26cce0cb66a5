package ws

import (
	"bytes"
	"compress/flate"
	"io"
	"strconv"
	"sync"

	"github.com/gobwas/httphead"
	"github.com/gobwas/ws/wsflate"
)

// negotiateDeflate accepts the first valid permessage-deflate offer among the
// Sec-WebSocket-Extensions fields of the header block fields. The response always asks for no
// context takeover in both directions, which RFC 7692 section 7.1.1 lets a server do whatever
// the offer says; a server_max_window_bits=N in the offer is echoed and honoured by compressing
// only messages of at most 2^N bytes (with a fresh compressor no back-reference can then reach
// further). Offers with unknown, repeated or invalid parameters are declined, as RFC 7692
// requires.
func negotiateDeflate(fields string) (response string, windowBits uint8, ok bool) {
	eachValue(fields, fieldExtensions, func(v string) bool {
		opts, valid := httphead.ParseOptions([]byte(v), nil)
		if !valid {
			return true
		}
		for _, opt := range opts {
			if !bytes.Equal(opt.Name, wsflate.ExtensionNameBytes) {
				continue
			}
			var p wsflate.Parameters
			if p.Parse(opt) != nil {
				continue
			}
			response = wsflate.ExtensionName + "; server_no_context_takeover; client_no_context_takeover"
			if b := p.ServerMaxWindowBits; b.Defined() {
				windowBits = uint8(b)
				response += "; server_max_window_bits=" + strconv.Itoa(int(b))
			}
			ok = true
			return false
		}
		return true
	})
	return response, windowBits, ok
}

// deflater is a pooled compressor: flate.Writer is large (see the package documentation), so
// it is only borrowed for the duration of one message.
type deflater struct {
	fw  *flate.Writer
	out []byte
}

func (d *deflater) Write(p []byte) (int, error) {
	d.out = append(d.out, p...)
	return len(p), nil
}

// compress returns a buffer holding maxFrameHeader free bytes followed by the compressed
// payload (without the 00 00 ff ff tail), or nil if compressing does not make it smaller.
func (s *Server) compress(payload []byte) *[]byte {
	d, _ := s.flateWriters.Get().(*deflater)
	if d == nil {
		d = &deflater{}
		d.fw, _ = flate.NewWriter(d, s.deflateOpts.Level) // level validated by WithDeflate
	}
	buf := getBuffer(maxFrameHeader + len(payload)/2 + 64)
	d.out = (*buf)[:maxFrameHeader]
	d.fw.Reset(d)
	_, err := d.fw.Write(payload)
	if err == nil {
		err = d.fw.Flush()
	}
	out := d.out
	d.out = nil
	s.flateWriters.Put(d)
	n := len(out) - maxFrameHeader - 4
	if err != nil || n >= len(payload) || !bytes.HasSuffix(out, []byte{0, 0, 0xff, 0xff}) {
		*buf = out[:0]
		putBuffer(buf)
		return nil
	}
	*buf = out[:len(out)-4]
	return buf
}

// inflater is a pooled decompressor.
type inflater struct {
	src bytes.Reader
	r   *wsflate.Reader
}

// flateReader adapts compress/flate's reader to wsflate.ReadResetter.
type flateReader struct{ io.ReadCloser }

func (f flateReader) Reset(r io.Reader) { _ = f.ReadCloser.(flate.Resetter).Reset(r, nil) }

var inflaters = sync.Pool{New: func() any {
	f := &inflater{}
	f.r = wsflate.NewReader(&f.src, func(r io.Reader) wsflate.Decompressor {
		return flateReader{flate.NewReader(r)}
	})
	return f
}}

// inflate decompresses a whole message, refusing to produce more than maxMessage bytes.
func (s *Server) inflate(p []byte) ([]byte, error) {
	f := inflaters.Get().(*inflater)
	defer inflaters.Put(f)
	f.src.Reset(p)
	f.r.Reset(&f.src)
	limit := s.maxMessage
	n := int64(4*len(p) + 64)
	if n > limit+1 {
		n = limit + 1
	}
	out := make([]byte, 0, n)
	for {
		if len(out) == cap(out) {
			if int64(len(out)) > limit {
				return nil, ErrMessageTooBig
			}
			nc := int64(2 * cap(out))
			if nc > limit+1 {
				nc = limit + 1
			}
			b := make([]byte, len(out), nc)
			copy(b, out)
			out = b
		}
		m, err := f.r.Read(out[len(out):cap(out)])
		out = out[:len(out)+m]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, ErrInvalidPayload
		}
	}
	if int64(len(out)) > limit {
		return nil, ErrMessageTooBig
	}
	f.src.Reset(nil) // do not keep the message alive from the pool
	return out, nil
}
