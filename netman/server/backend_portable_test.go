//go:build netpoll_portable || !(linux || darwin || freebsd)

package server

import "testing"

// skipOnPortable skips a test that measures the reactor itself: netpoll's
// portable backend pays a goroutine per connection by design.
func skipOnPortable(t testing.TB, why string) {
	t.Helper()
	t.Skip("netpoll's portable backend runs a goroutine per connection: " + why)
}
