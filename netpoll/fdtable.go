//go:build (linux || darwin || freebsd) && !netpoll_portable

package netpoll

// fdChunk is the number of descriptors one chunk of an fdTable covers.
const fdChunk = 1024

// fdTable maps a loop's descriptors to their connections. It grows a
// chunk at a time and never copies what it holds, so a burst of accepts
// leaves no garbage behind: one slice that doubles would leave its earlier
// arrays to the collector, about as many bytes again as the table, and
// those count in the server's resident memory until a collection runs
// (none does while a few thousand connections arrive and go idle).
type fdTable struct {
	chunks []*[fdChunk]*Conn
}

// get returns the connection registered for fd, or nil.
func (t *fdTable) get(fd int) *Conn {
	i := fd / fdChunk
	if fd < 0 || i >= len(t.chunks) || t.chunks[i] == nil {
		return nil
	}
	return t.chunks[i][fd%fdChunk]
}

// set registers c for fd (nil removes it).
func (t *fdTable) set(fd int, c *Conn) {
	i := fd / fdChunk
	if i >= len(t.chunks) {
		if c == nil {
			return
		}
		t.chunks = append(t.chunks, make([]*[fdChunk]*Conn, i+1-len(t.chunks))...)
	}
	if t.chunks[i] == nil {
		if c == nil {
			return
		}
		t.chunks[i] = new([fdChunk]*Conn)
	}
	t.chunks[i][fd%fdChunk] = c
}

// each calls f for every registered connection.
func (t *fdTable) each(f func(*Conn)) {
	for _, ch := range t.chunks {
		if ch == nil {
			continue
		}
		for _, c := range ch {
			if c != nil {
				f(c)
			}
		}
	}
}
