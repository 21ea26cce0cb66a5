package cluster

import (
	"encoding/binary"
	"errors"
)

// A bus message is the payload of one NATS message:
//
//	version (1 byte) | kind (1) | flags (1) | msgID (4, big endian) |
//	key length (uvarint) | key | data
//
// kind says who receives it (a user, a room, everyone); the key is the user
// ID or room name (empty for a broadcast), so a node that shares a subject
// bucket with others delivers only to its own members.
const (
	wireVersion = 1
	wireHeader  = 7 // version, kind, flags, msgID

	kindUser      = 'u'
	kindRoom      = 'r'
	kindBroadcast = 'a'

	flagText = 1 // WebSocket connections get a text message
)

var errMalformed = errors.New("cluster: malformed bus message")

// envelope is one decoded bus message; key and data alias the payload.
type envelope struct {
	kind  byte
	text  bool
	msgID uint32
	key   string
	data  []byte
}

// encode appends the bus form of a message to dst.
func encode(dst []byte, kind byte, text bool, msgID uint32, key string, data []byte) []byte {
	var flags byte
	if text {
		flags |= flagText
	}
	dst = append(dst, wireVersion, kind, flags)
	dst = binary.BigEndian.AppendUint32(dst, msgID)
	dst = binary.AppendUvarint(dst, uint64(len(key)))
	dst = append(dst, key...)
	return append(dst, data...)
}

// encodedLen is len(encode(nil, ...)).
func encodedLen(key string, data []byte) int {
	var tmp [binary.MaxVarintLen64]byte
	return wireHeader + binary.PutUvarint(tmp[:], uint64(len(key))) + len(key) + len(data)
}

// decode parses a bus message; anything it does not understand is
// errMalformed, never a panic.
func decode(b []byte) (envelope, error) {
	if len(b) < wireHeader || b[0] != wireVersion {
		return envelope{}, errMalformed
	}
	e := envelope{kind: b[1], text: b[2]&flagText != 0, msgID: binary.BigEndian.Uint32(b[3:7])}
	switch e.kind {
	case kindUser, kindRoom, kindBroadcast:
	default:
		return envelope{}, errMalformed
	}
	if b[2]&^flagText != 0 {
		return envelope{}, errMalformed
	}
	n, w := binary.Uvarint(b[wireHeader:])
	if w <= 0 || n > uint64(len(b)-wireHeader-w) {
		return envelope{}, errMalformed
	}
	rest := b[wireHeader+w:]
	e.key, e.data = string(rest[:n]), rest[n:]
	if (e.kind == kindBroadcast) != (e.key == "") {
		return envelope{}, errMalformed
	}
	return e, nil
}
