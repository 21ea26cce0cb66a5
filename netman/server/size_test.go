package server

import (
	"testing"
	"unsafe"
)

// TestStructSizes pins the per-connection structs at the sizes their memory
// figures assume: each is allocated once per connection, so a field added
// moves every idle connection to the next size class.
func TestStructSizes(t *testing.T) {
	for _, s := range []struct {
		name      string
		size, max uintptr
	}{
		{"connection", unsafe.Sizeof(connection{}), 80},
		{"tcpConn", unsafe.Sizeof(tcpConn{}), 96},
		{"wsConn", unsafe.Sizeof(wsConn{}), 144},
	} {
		if s.size > s.max {
			t.Errorf("%s is %d bytes, want at most %d", s.name, s.size, s.max)
		}
	}
}
