package util

import "github.com/netman-go/netman/netman/iface"

// Kinds of message, for WebSocket servers.
const (
	KindBinary byte = iota
	KindText
)

// Message is a received message: an id and its body.
type Message struct {
	id     uint32
	length uint32
	kind   byte
	data   []byte
}

var _ iface.IMessage = (*Message)(nil)

// NewMessage returns a binary message.
func NewMessage(id uint32, data []byte) *Message {
	return &Message{id: id, data: data, length: uint32(len(data))}
}

// NewTextMessage returns a WebSocket text message.
func NewTextMessage(data []byte) *Message {
	return &Message{data: data, length: uint32(len(data)), kind: KindText}
}

// ID returns the message id.
func (m *Message) ID() uint32 { return m.id }

// Bytes returns the body.
func (m *Message) Bytes() []byte { return m.data }

// String returns the body as a string.
func (m *Message) String() string { return string(m.data) }

// Len returns the body length: the header's length until SetData.
func (m *Message) Len() uint32 { return m.length }

// SetData attaches the body.
func (m *Message) SetData(data []byte) {
	m.data = data
	m.length = uint32(len(data))
}

// IsText reports whether this is a WebSocket text message.
func (m *Message) IsText() bool { return m.kind == KindText }

// IsBinary reports whether this is a binary message (every TCP message is).
func (m *Message) IsBinary() bool { return m.kind == KindBinary }
