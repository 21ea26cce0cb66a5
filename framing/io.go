package framing

import (
	"io"
	"net"
)

// writevThreshold is the payload length from which WriteMessage sends the header and the
// payload with one writev instead of copying the payload behind the header.
const writevThreshold = 64 << 10

// ReadMessage reads one whole message from r: the header, then a body allocated to its
// exact length. A header that declares a body longer than maxBody (0 means no limit)
// fails with ErrBodyTooLarge before the body is allocated or read; r is then positioned
// inside the refused message and should be closed.
//
// It returns io.EOF only when r ends cleanly before the first header byte, and
// io.ErrUnexpectedEOF when r ends inside a message. ReadMessage does no buffering of
// its own: it reads exactly one message from r, so several calls can follow each other
// on a net.Conn (wrap the conn in a bufio.Reader to save system calls on small messages).
func ReadMessage(r io.Reader, p Packer, maxBody uint32) (id uint32, payload []byte, err error) {
	hlen := p.HeaderLen()
	if hlen <= 0 {
		return 0, nil, ErrInvalidHeader
	}
	var arr [2 * DefaultHeaderLen]byte
	h := arr[:0]
	if hlen <= len(arr) {
		h = arr[:hlen]
	} else {
		h = make([]byte, hlen)
	}
	if _, err := io.ReadFull(r, h); err != nil {
		return 0, nil, err
	}
	id, n, err := decodeHeader(p, h, maxBody)
	if err != nil {
		return id, nil, err
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return id, nil, err
	}
	return id, payload, nil
}

// WriteMessage writes one whole message to w. Every message is one Write call, so
// concurrent WriteMessage calls on a net.Conn do not interleave; a payload of 64 KiB or
// more to a *net.TCPConn or *net.UnixConn is written with writev (header and payload in
// one system call, also atomic) instead of being copied behind its header, when the packer
// implements [HeaderAppender].
func WriteMessage(w io.Writer, p Packer, id uint32, payload []byte) error {
	if len(payload) >= writevThreshold {
		if ha, ok := p.(HeaderAppender); ok && isVectoredConn(w) {
			var arr [2 * DefaultHeaderLen]byte
			hdr, err := ha.AppendHeader(arr[:0], id, len(payload))
			if err != nil {
				return err
			}
			bufs := net.Buffers{hdr, payload}
			_, err = bufs.WriteTo(w)
			return err
		}
	}
	b, err := Pack(p, id, payload)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// isVectoredConn reports whether net.Buffers.WriteTo(w) becomes a single writev.
func isVectoredConn(w io.Writer) bool {
	switch w.(type) {
	case *net.TCPConn, *net.UnixConn:
		return true
	}
	return false
}
