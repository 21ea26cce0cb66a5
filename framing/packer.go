package framing

import (
	"encoding/binary"
	"math"
)

// Packer defines a header-based packet format: a fixed-length header that carries a
// message id and the body length, followed by the body.
//
// Implementations must be safe for concurrent use; the packers of this package are
// stateless values. A Packer need not enforce a maximum body length: the [Decoder] and
// [ReadMessage] do that on the decoded header.
type Packer interface {
	// HeaderLen returns the fixed header length in bytes. It must be positive and constant.
	HeaderLen() int

	// AppendPack appends the encoded message (header, then payload) to dst and returns the
	// extended slice. It fails with ErrBodyTooLarge if payload is too long for the header.
	AppendPack(dst []byte, id uint32, payload []byte) ([]byte, error)

	// DecodeHeader decodes a header of exactly HeaderLen bytes into the message id and the
	// length of the body that follows it.
	DecodeHeader(header []byte) (id uint32, bodyLen int, err error)
}

// HeaderAppender is implemented by packers that can encode a header without its payload,
// so a large payload can be written with writev (net.Buffers) instead of being copied
// behind its header. [WriteMessage] uses it when present; the packers of this package
// implement it.
type HeaderAppender interface {
	// AppendHeader appends the header of a message with the given id and body length.
	AppendHeader(dst []byte, id uint32, bodyLen int) ([]byte, error)
}

// DefaultHeaderLen is the header length of [DefaultPacker] and [BigEndianPacker].
const DefaultHeaderLen = 8

// DefaultPacker is the seed framework's format: an 8-byte header holding the body length
// as a little-endian uint32, then the message id as a little-endian uint32, then the body.
// The zero value is ready to use.
type DefaultPacker struct{}

// BigEndianPacker is the layout of [DefaultPacker] in network byte order: body length as a
// big-endian uint32, message id as a big-endian uint32, then the body.
// The zero value is ready to use.
type BigEndianPacker struct{}

var (
	// Default is the seed-compatible little-endian packer.
	Default = DefaultPacker{}
	// BigEndian is the big-endian variant of Default.
	BigEndian = BigEndianPacker{}
)

var (
	_ Packer         = DefaultPacker{}
	_ HeaderAppender = DefaultPacker{}
	_ Packer         = BigEndianPacker{}
	_ HeaderAppender = BigEndianPacker{}
)

// NewDefaultPacker returns the seed-compatible packer, [Default].
func NewDefaultPacker() DefaultPacker { return DefaultPacker{} }

// HeaderLen returns 8.
func (DefaultPacker) HeaderLen() int { return DefaultHeaderLen }

// AppendHeader appends the 8-byte header.
func (DefaultPacker) AppendHeader(dst []byte, id uint32, bodyLen int) ([]byte, error) {
	if err := checkUint32Len(bodyLen); err != nil {
		return dst, err
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(bodyLen))
	return binary.LittleEndian.AppendUint32(dst, id), nil
}

// AppendPack appends the header and the payload to dst. It does not allocate when dst
// has room for them.
func (p DefaultPacker) AppendPack(dst []byte, id uint32, payload []byte) ([]byte, error) {
	dst, err := p.AppendHeader(dst, id, len(payload))
	if err != nil {
		return dst, err
	}
	return append(dst, payload...), nil
}

// Pack returns the encoded message in a new slice.
func (p DefaultPacker) Pack(id uint32, payload []byte) ([]byte, error) {
	return p.AppendPack(make([]byte, 0, DefaultHeaderLen+len(payload)), id, payload)
}

// DecodeHeader decodes the first 8 bytes of header.
func (DefaultPacker) DecodeHeader(header []byte) (id uint32, bodyLen int, err error) {
	if len(header) < DefaultHeaderLen {
		return 0, 0, ErrInvalidHeader
	}
	n := binary.LittleEndian.Uint32(header)
	id = binary.LittleEndian.Uint32(header[4:])
	if uint64(n) > math.MaxInt {
		return id, 0, bodyTooLarge(id, uint64(n), math.MaxInt)
	}
	return id, int(n), nil
}

// HeaderLen returns 8.
func (BigEndianPacker) HeaderLen() int { return DefaultHeaderLen }

// AppendHeader appends the 8-byte header.
func (BigEndianPacker) AppendHeader(dst []byte, id uint32, bodyLen int) ([]byte, error) {
	if err := checkUint32Len(bodyLen); err != nil {
		return dst, err
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(bodyLen))
	return binary.BigEndian.AppendUint32(dst, id), nil
}

// AppendPack appends the header and the payload to dst. It does not allocate when dst
// has room for them.
func (p BigEndianPacker) AppendPack(dst []byte, id uint32, payload []byte) ([]byte, error) {
	dst, err := p.AppendHeader(dst, id, len(payload))
	if err != nil {
		return dst, err
	}
	return append(dst, payload...), nil
}

// Pack returns the encoded message in a new slice.
func (p BigEndianPacker) Pack(id uint32, payload []byte) ([]byte, error) {
	return p.AppendPack(make([]byte, 0, DefaultHeaderLen+len(payload)), id, payload)
}

// DecodeHeader decodes the first 8 bytes of header.
func (BigEndianPacker) DecodeHeader(header []byte) (id uint32, bodyLen int, err error) {
	if len(header) < DefaultHeaderLen {
		return 0, 0, ErrInvalidHeader
	}
	n := binary.BigEndian.Uint32(header)
	id = binary.BigEndian.Uint32(header[4:])
	if uint64(n) > math.MaxInt {
		return id, 0, bodyTooLarge(id, uint64(n), math.MaxInt)
	}
	return id, int(n), nil
}

// Pack returns the message encoded by p in a new slice sized exactly for it.
func Pack(p Packer, id uint32, payload []byte) ([]byte, error) {
	return p.AppendPack(make([]byte, 0, p.HeaderLen()+len(payload)), id, payload)
}

func checkUint32Len(n int) error {
	if n < 0 {
		return ErrInvalidHeader
	}
	if uint64(n) > math.MaxUint32 {
		return bodyTooLarge(0, uint64(n), math.MaxUint32)
	}
	return nil
}
