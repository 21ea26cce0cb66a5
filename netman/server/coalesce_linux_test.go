package server

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/netman-go/netman/framing"
)

// writeSyscalls returns this process's count of write system calls
// (write, writev and the like) from /proc/self/io.
func writeSyscalls(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		t.Skipf("no /proc/self/io: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "syscw: "); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Skip("no syscw in /proc/self/io")
	return 0
}

// TestPipelinedRepliesAreCoalesced: a client with four messages in flight
// (sent in one write) gets the four replies of the routed echo in one write
// system call, not four: the replies of one read's messages are gathered
// (handlers on the loop; on the pool a batch is gathered the same way, but
// how messages fall into batches depends on timing). Over TLS the records
// of one batch leave together too.
func TestPipelinedRepliesAreCoalesced(t *testing.T) {
	pair, _, _ := selfSigned(t, "netman")
	for _, useTLS := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", useTLS), func(t *testing.T) {
			opts := []Option{WithLogOutput(&syncBuffer{}), WithHandlerOnLoop(), WithNumEventLoop(1)}
			if useTLS {
				opts = append(opts, WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pair}}))
			}
			s := New("127.0.0.1", 0, opts...)
			s.AddRouter(7, seedEcho{})
			addr := start(t, s)
			var nc net.Conn = connect(t, addr)
			if useTLS {
				tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
				if err := tc.Handshake(); err != nil {
					t.Fatal(err)
				}
				nc = tc
			}
			const rounds, inFlight = 200, 4
			var burst bytes.Buffer
			for i := 0; i < inFlight; i++ {
				framing.WriteMessage(&burst, framing.Default, 7, []byte(fmt.Sprintf("message %d", i)))
			}
			before := writeSyscalls(t)
			for r := 0; r < rounds; r++ {
				if _, err := nc.Write(burst.Bytes()); err != nil { // one write: four messages
					t.Fatal(err)
				}
				for i := 0; i < inFlight; i++ {
					_, p, err := framing.ReadMessage(nc, framing.Default, 0)
					if err != nil || string(p) != fmt.Sprintf("message %d", i) {
						t.Fatalf("round %d reply %d: %q, %v", r, i, p, err)
					}
				}
			}
			writes := writeSyscalls(t) - before
			// The client makes one write a round; the server, one if the
			// replies are gathered, four if not.
			perRound := float64(writes)/rounds - 1
			t.Logf("%.2f server writes per round of %d messages", perRound, inFlight)
			if perRound > 1.5 {
				t.Fatalf("%.2f server write system calls per %d pipelined messages, want about 1", perRound, inFlight)
			}
		})
	}
}
