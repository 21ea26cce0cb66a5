package conformance_test

import (
	"fmt"
	"strings"

	"github.com/netman-go/netman/ws"
	"github.com/netman-go/netman/ws/conformance"
	"github.com/netman-go/netman/ws/internal/wstest"
)

// Run the ping/pong cases (group 2) against a server; any WebSocket server address works.
func Example() {
	srv, err := wstest.NewServer(ws.NewServer(wstest.Echo{}, ws.WithMaxMessageSize(conformance.DefaultMaxMessageSize)), 1)
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	pass, total := 0, 0
	for _, tc := range conformance.Cases() {
		if !strings.HasPrefix(tc.ID, "2.") || tc.Config != (conformance.Config{}) {
			continue
		}
		total++
		if err := tc.Run(srv.Addr); err != nil {
			fmt.Println(tc.ID, err)
			continue
		}
		pass++
	}
	fmt.Printf("%d of %d ping/pong cases pass\n", pass, total)
	// Output: 11 of 11 ping/pong cases pass
}
