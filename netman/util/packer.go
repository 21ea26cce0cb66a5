// Package util holds the default packet format of netman's TCP servers:
// an 8-byte header (body length, then message id, both uint32
// little-endian) followed by the body.
package util

import (
	"fmt"

	"github.com/netman-go/netman/framing"
	"github.com/netman-go/netman/netman/iface"
)

// HeaderLength is the size of the default header.
const HeaderLength = framing.DefaultHeaderLen

// DataPacker is the default IPacker.
type DataPacker struct {
	maxBodyLength uint32
}

// NewDataPacker returns the default packer, with no body limit.
func NewDataPacker() *DataPacker { return &DataPacker{} }

// Pack encodes a message: header then data.
func (p *DataPacker) Pack(msgID uint32, data []byte) ([]byte, error) {
	return framing.Default.Pack(msgID, data)
}

// UnPack decodes an 8-byte header into a message whose ID and Len are set;
// read Len() bytes of body and attach them with SetData. It fails with an
// error matching framing.ErrBodyTooLarge when the body is longer than the
// maximum.
func (p *DataPacker) UnPack(header []byte) (iface.IMessage, error) {
	if len(header) < HeaderLength {
		return nil, fmt.Errorf("util: header is %d bytes, want %d", len(header), HeaderLength)
	}
	id, n, err := framing.Default.DecodeHeader(header[:HeaderLength])
	if err != nil {
		return nil, err
	}
	if p.maxBodyLength > 0 && uint64(n) > uint64(p.maxBodyLength) {
		return nil, &framing.BodyTooLargeError{ID: id, Length: uint64(n), Limit: uint64(p.maxBodyLength)}
	}
	return &Message{id: id, length: uint32(n)}, nil
}

// SetMaxBodyLength makes UnPack refuse bodies longer than max (0: no limit).
func (p *DataPacker) SetMaxBodyLength(max uint32) { p.maxBodyLength = max }

// GetHeaderLength returns 8.
func (p *DataPacker) GetHeaderLength() uint32 { return HeaderLength }
