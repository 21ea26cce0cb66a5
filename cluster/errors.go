package cluster

import "errors"

var (
	// ErrClosed is returned by every method after Close.
	ErrClosed = errors.New("cluster: closed")
	// ErrTooLarge is returned when a message, encoded for the bus, is
	// larger than the NATS server's max payload; nothing was sent.
	ErrTooLarge = errors.New("cluster: message larger than the NATS max payload")
	// ErrReconnecting is returned while the NATS connection is down and
	// its bounded reconnect buffer (WithReconnectBuffer) is full; the
	// message was not sent.
	ErrReconnecting = errors.New("cluster: NATS disconnected and its reconnect buffer is full")
	// ErrForeignConn is returned by Bind and Join for a connection of a
	// server this cluster was not created with.
	ErrForeignConn = errors.New("cluster: connection of another server")
	// ErrConnClosed is returned by Bind and Join for a closed connection.
	ErrConnClosed = errors.New("cluster: connection closed")
	// ErrEmptyName is returned for an empty user ID or room name.
	ErrEmptyName = errors.New("cluster: empty user or room name")
	// ErrEmbedded is returned by New when the embedded NATS server does
	// not start.
	ErrEmbedded = errors.New("cluster: embedded NATS server did not start")
)
