package cluster

import (
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
)

// SendToUser sends a message to every connection of userID on every node:
// a packet with msgID on TCP and TLS connections, a binary message on
// WebSocket ones. It returns once NATS has the message, not once it is
// delivered (core NATS is at-most-once; see the package doc).
func (c *Cluster) SendToUser(userID string, msgID uint32, data []byte) error {
	return c.publish(kindUser, userID, false, msgID, data)
}

// SendTextToUser is SendToUser with WebSocket connections getting a text
// message (TCP connections get a packet with msgID).
func (c *Cluster) SendTextToUser(userID string, msgID uint32, data []byte) error {
	return c.publish(kindUser, userID, true, msgID, data)
}

// Publish sends a message to every member of room on every node, as
// SendToUser does.
func (c *Cluster) Publish(room string, msgID uint32, data []byte) error {
	return c.publish(kindRoom, room, false, msgID, data)
}

// PublishText is Publish with WebSocket connections getting a text message.
func (c *Cluster) PublishText(room string, msgID uint32, data []byte) error {
	return c.publish(kindRoom, room, true, msgID, data)
}

// Broadcast sends a message to every connection of every node, bound or
// not.
func (c *Cluster) Broadcast(msgID uint32, data []byte) error {
	return c.publish(kindBroadcast, "", false, msgID, data)
}

// BroadcastText is Broadcast with WebSocket connections getting a text
// message.
func (c *Cluster) BroadcastText(msgID uint32, data []byte) error {
	return c.publish(kindBroadcast, "", true, msgID, data)
}

func (c *Cluster) publish(kind byte, key string, text bool, msgID uint32, data []byte) error {
	if kind != kindBroadcast && key == "" {
		return ErrEmptyName
	}
	if c.closed.Load() {
		return ErrClosed
	}
	n := encodedLen(key, data)
	if max := c.nc.MaxPayload(); max > 0 && int64(n) > max {
		return fmt.Errorf("%w: %d bytes on the bus, the server allows %d", ErrTooLarge, n, max)
	}
	subj := c.subjectAll()
	if kind != kindBroadcast {
		subj = c.subject(kind, key)
	}
	return natsError(c.nc.Publish(subj, encode(make([]byte, 0, n), kind, text, msgID, key, data)))
}

// natsError maps nats.go's errors to the cluster's.
func natsError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, nats.ErrConnectionClosed):
		return ErrClosed
	case errors.Is(err, nats.ErrReconnectBufExceeded):
		return fmt.Errorf("%w: %v", ErrReconnecting, err)
	case errors.Is(err, nats.ErrMaxPayload):
		return fmt.Errorf("%w: %v", ErrTooLarge, err)
	}
	return fmt.Errorf("cluster: NATS: %w", err)
}
