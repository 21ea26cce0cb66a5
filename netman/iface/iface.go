// Package iface holds the interfaces of netman's server API, with the names
// of the framework netman replaces so its code runs unchanged.
package iface

import (
	"net"
	"net/url"
)

// IServer is a netman server, TCP or WebSocket.
type IServer interface {
	// Start listens and serves until Stop; it blocks.
	Start() error
	// Stop stops accepting, closes every connection gracefully and makes
	// Start return.
	Stop() error
	// AddRouter routes messages with msgID to router.
	AddRouter(msgID uint32, router IRouter) error
	// Use adds global middleware, run for every message.
	Use(middleware ...MiddlewareFunc) error
	// Group returns a group of routes with its own middleware.
	Group(middleware ...MiddlewareFunc) IGroup
}

// IGroup is a set of routes sharing middleware; global middleware runs first.
type IGroup interface {
	// AddRouter routes messages with msgID to router, behind the global
	// middleware and then the group's.
	AddRouter(msgID uint32, router IRouter) error
	// Use adds middleware to the group, run after the global middleware.
	Use(middleware ...MiddlewareFunc) error
}

// IConnect is one client connection. Its methods are safe from any goroutine.
type IConnect interface {
	// GetID returns the connection's id, unique for the server's lifetime
	// (never reused, unlike file descriptors).
	GetID() int
	// Send writes one message with the server's packer. It never blocks;
	// it fails once the connection is closed or its write queue is full.
	// On a WebSocket connection it sends data as a binary message.
	Send(msgID uint32, data []byte) (int, error)
	// Text sends a WebSocket text message.
	Text(data []byte) (int, error)
	// Binary sends a WebSocket binary message.
	Binary(data []byte) (int, error)
	// Close closes the connection after flushing what was sent.
	Close() error
	// CloseWithCode closes a WebSocket connection with a close code and
	// reason (on TCP it is Close).
	CloseWithCode(code int, reason string) error
	// GetConnectMgr returns the server's connection manager.
	GetConnectMgr() IConnectManager
	// RemoteAddr returns the peer's address.
	RemoteAddr() net.Addr
	// LocalAddr returns the local address.
	LocalAddr() net.Addr
	// Query returns the query parameters of a WebSocket upgrade request
	// (nil for TCP connections).
	Query() url.Values
	// IsClosed reports whether the connection is closed.
	IsClosed() bool
}

// IConnectManager knows every open connection of a server.
type IConnectManager interface {
	// GetConnects returns a snapshot of the open connections.
	GetConnects() []IConnect
	// Get returns the connection with the id, or nil.
	Get(id int) IConnect
	// Len returns the number of open connections.
	Len() int
}

// IMessage is one received message.
type IMessage interface {
	// ID returns the message id.
	ID() uint32
	// Bytes returns the payload.
	Bytes() []byte
	// String returns the payload as a string.
	String() string
	// Len returns the payload length in bytes.
	Len() uint32
	// SetData replaces the payload.
	SetData(data []byte)
	// IsText and IsBinary tell a WebSocket message's type; TCP messages
	// are binary.
	IsText() bool
	// IsBinary reports whether the message is binary (always true on TCP).
	IsBinary() bool
}

// IRequest is a message together with the connection it came from.
type IRequest interface {
	// GetConnect returns the connection the message came from.
	GetConnect() IConnect
	// GetMessage returns the message.
	GetMessage() IMessage
	// GetConnects returns a snapshot of the server's open connections.
	GetConnects() []IConnect
}

// IContext is what middleware sees: the request plus values that
// middleware and handlers share for one message.
type IContext interface {
	// GetConnect returns the connection the message came from.
	GetConnect() IConnect
	// GetRequest returns the request being handled.
	GetRequest() IRequest
	// GetMessage returns the message being handled.
	GetMessage() IMessage
	// Set stores a value for the rest of this message's chain.
	Set(key string, value interface{})
	// Get returns a value stored with Set, or nil.
	Get(key string) interface{}
}

// Next continues the middleware chain.
type Next func(ctx IContext) interface{}

// MiddlewareFunc runs around the rest of the chain: code before next(ctx)
// runs first, code after it runs last; not calling next stops the chain.
type MiddlewareFunc func(ctx IContext, next Next) interface{}

// IRouter handles the messages of one message id.
type IRouter interface {
	// Do handles one message.
	Do(request IRequest)
}

// IHooks are called when TCP connections open and close.
type IHooks interface {
	// OnOpen runs once, before the connection's first message is handled.
	OnOpen(connect IConnect)
	// OnClose runs once, after the connection's last message was handled.
	OnClose(connect IConnect)
}

// IWebsocketHandler handles a WebSocket server's events.
type IWebsocketHandler interface {
	// Open runs once the upgrade succeeded, before the first Message.
	Open(connect IConnect)
	// Message handles one text or binary message.
	Message(request IRequest)
	// Close runs once, after the last Message.
	Close(connect IConnect)
}

// IPacker is a packet format with a fixed-size header that carries the
// message id and body length.
type IPacker interface {
	// Pack encodes one message.
	Pack(msgID uint32, data []byte) ([]byte, error)
	// UnPack decodes a header into a message with ID and Len set and no
	// data yet.
	UnPack(header []byte) (IMessage, error)
	// SetMaxBodyLength makes UnPack refuse longer bodies (0: no limit).
	SetMaxBodyLength(max uint32)
	// GetHeaderLength returns the header size in bytes.
	GetHeaderLength() uint32
}
