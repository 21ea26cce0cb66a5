package ws

import "compress/flate"

// Default limits.
const (
	// DefaultMaxMessageSize is the largest message (after reassembly and decompression) accepted
	// unless WithMaxMessageSize says otherwise: 1 MiB.
	DefaultMaxMessageSize = 1 << 20
	// DefaultMaxHeaderBytes bounds the upgrade request (request line and headers): 8 KiB.
	DefaultMaxHeaderBytes = 8 << 10
	// DefaultCompressThreshold is the smallest outgoing message compressed when deflate is on.
	DefaultCompressThreshold = 128
)

// Option configures a Server.
type Option func(*Server)

// DeflateOptions tune permessage-deflate (RFC 7692) when it is enabled with WithDeflate.
type DeflateOptions struct {
	// Level is the compress/flate level of outgoing messages; 0 means flate.BestSpeed.
	Level int
	// Threshold is the smallest outgoing message that is compressed; 0 means
	// DefaultCompressThreshold. Smaller messages are sent uncompressed (RSV1 clear).
	Threshold int
}

// MaxMessageSizeLimit is the largest value WithMaxMessageSize accepts: 4 GiB - 1 (the codec
// counts a frame's payload in 32 bits to keep idle connections small).
const MaxMessageSizeLimit = 1<<32 - 1

// WithMaxMessageSize sets the largest message accepted, in bytes; a bigger one fails the
// connection with close code 1009. It bounds the reassembled message and the decompressed size.
// Values over MaxMessageSizeLimit are lowered to it; zero or a negative n is ignored. Sizes are
// int, as everywhere in netman (netman's server.WithMaxMessageSize forwards its value unchanged).
func WithMaxMessageSize(n int) Option {
	return func(s *Server) {
		if n > 0 {
			s.maxMessage = min(int64(n), MaxMessageSizeLimit)
		}
	}
}

// WithMaxHeaderBytes sets the largest upgrade request (request line plus headers) accepted;
// a longer one gets HTTP 431.
func WithMaxHeaderBytes(n int) Option {
	return func(s *Server) {
		if n > 0 {
			s.maxHeader = n
		}
	}
}

// WithCheckOrigin installs a hook called with each valid upgrade request before it is accepted;
// returning false rejects it with HTTP 403. By default every origin is accepted.
func WithCheckOrigin(fn func(r Request) bool) Option {
	return func(s *Server) { s.checkOrigin = fn }
}

// WithSubprotocols lists the subprotocols the server speaks; the first one the client offers
// (in the client's order of preference) that is in this list is selected and echoed in the
// Sec-WebSocket-Protocol response header. Request.Subprotocol reports the choice.
func WithSubprotocols(protocols ...string) Option {
	return func(s *Server) { s.protocols = append([]string(nil), protocols...) }
}

// WithDeflate enables the permessage-deflate extension. It is negotiated only when the client
// offers it, always without context takeover in both directions, so no per-connection
// compressor state exists (see the package documentation for the memory cost).
func WithDeflate(o DeflateOptions) Option {
	return func(s *Server) {
		s.deflate = true
		if o.Level == 0 {
			o.Level = flate.BestSpeed
		}
		if o.Level < flate.HuffmanOnly || o.Level > flate.BestCompression {
			o.Level = flate.BestSpeed
		}
		if o.Threshold <= 0 {
			o.Threshold = DefaultCompressThreshold
		}
		s.deflateOpts = o
	}
}
