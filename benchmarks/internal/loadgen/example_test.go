package loadgen_test

import (
	"fmt"

	"github.com/netman-go/netman/benchmarks/internal/loadgen"
)

// The header every benchmark message starts with: payload length, then
// message ID, both uint32 little-endian.
func ExamplePutHeader() {
	frame := make([]byte, loadgen.HeaderSize+5)
	loadgen.PutHeader(frame, 5, 0)
	copy(frame[loadgen.HeaderSize:], "hello")
	fmt.Printf("% x\n", frame)
	// Output: 05 00 00 00 00 00 00 00 68 65 6c 6c 6f
}
