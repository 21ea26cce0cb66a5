package framing

import (
	"errors"
	"strconv"
)

var (
	// ErrBodyTooLarge reports a message whose body is longer than the configured maximum,
	// or a payload too long for the header's length field. The Decoder returns it, wrapped
	// in a *BodyTooLargeError that carries the numbers, as soon as the header is known and
	// before any buffer is allocated for the body.
	ErrBodyTooLarge = errors.New("framing: body too large")

	// ErrInvalidHeader reports a header that cannot be decoded: too short, a negative body
	// length, or a Packer whose HeaderLen is not positive.
	ErrInvalidHeader = errors.New("framing: invalid header")
)

// BodyTooLargeError is the error returned when a body exceeds a limit. errors.Is(err,
// ErrBodyTooLarge) holds for it; errors.As gives the declared length and the limit.
type BodyTooLargeError struct {
	ID     uint32 // message id from the header (0 when encoding fails)
	Length uint64 // body length declared by the header, or the payload length when encoding
	Limit  uint64 // the limit that was exceeded
}

// Error reports the length and the limit.
func (e *BodyTooLargeError) Error() string {
	return ErrBodyTooLarge.Error() + ": " + strconv.FormatUint(e.Length, 10) +
		" bytes, limit " + strconv.FormatUint(e.Limit, 10)
}

// Unwrap returns ErrBodyTooLarge.
func (e *BodyTooLargeError) Unwrap() error { return ErrBodyTooLarge }

func bodyTooLarge(id uint32, length, limit uint64) error {
	return &BodyTooLargeError{ID: id, Length: length, Limit: limit}
}
