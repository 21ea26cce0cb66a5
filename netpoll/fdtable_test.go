//go:build (linux || darwin || freebsd) && !netpoll_portable

package netpoll

import "testing"

func TestFDTable(t *testing.T) {
	var tab fdTable
	conns := map[int]*Conn{}
	for _, fd := range []int{0, 3, 1023, 1024, 5000, 70000} {
		c := &Conn{fd: fd}
		conns[fd] = c
		tab.set(fd, c)
	}
	for fd, c := range conns {
		if got := tab.get(fd); got != c {
			t.Fatalf("get(%d) = %p, want %p", fd, got, c)
		}
	}
	for _, fd := range []int{-1, 1, 1025, 4999, 69999, 1 << 20} {
		if got := tab.get(fd); got != nil {
			t.Fatalf("get(%d) = %p, want nil", fd, got)
		}
	}
	tab.set(5000, nil)
	tab.set(1<<20, nil) // removing what was never there grows nothing
	if len(tab.chunks) != 70000/fdChunk+1 {
		t.Fatalf("%d chunks after removing an absent fd, want %d", len(tab.chunks), 70000/fdChunk+1)
	}
	seen := 0
	tab.each(func(c *Conn) {
		if c.fd == 5000 || conns[c.fd] != c {
			t.Fatalf("each visited %d", c.fd)
		}
		seen++
	})
	if seen != len(conns)-1 {
		t.Fatalf("each visited %d, want %d", seen, len(conns)-1)
	}
	// Filling a chunk that exists allocates nothing: accepts leave no
	// garbage behind.
	c := &Conn{}
	if n := testing.AllocsPerRun(100, func() {
		for fd := 1024; fd < 2048; fd++ {
			tab.set(fd, c)
		}
	}); n != 0 {
		t.Fatalf("%v allocations to fill an existing chunk", n)
	}
}
