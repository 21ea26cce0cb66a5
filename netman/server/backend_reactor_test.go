//go:build (linux || darwin || freebsd) && !netpoll_portable

package server

import "testing"

// skipOnPortable skips a test that measures the reactor itself (no
// goroutine per connection); on the reactor it does nothing.
func skipOnPortable(testing.TB, string) {}
