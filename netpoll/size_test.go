package netpoll

import (
	"testing"
	"unsafe"
)

// TestConnSize pins Conn at 128 bytes, a size class: every idle connection
// holds one, so a field added costs each of them the next class (144).
func TestConnSize(t *testing.T) {
	if n := unsafe.Sizeof(Conn{}); n > 128 {
		t.Fatalf("Conn is %d bytes, want at most 128", n)
	}
}
