package server

import (
	"math/rand"
	"testing"
)

// TestManagerChunks adds and removes connections across several chunks in
// random order and checks, after every step, that the manager holds
// exactly the open ones, finds each by id, and gives spare chunks back.
func TestManagerChunks(t *testing.T) {
	var m manager
	open := map[int]*connection{}
	rng := rand.New(rand.NewSource(1))
	next := 0
	check := func() {
		t.Helper()
		if m.Len() != len(open) {
			t.Fatalf("Len %d, want %d", m.Len(), len(open))
		}
		seen := map[int]bool{}
		for _, c := range m.GetConnects() {
			if open[c.GetID()] == nil || seen[c.GetID()] {
				t.Fatalf("GetConnects returned %d: not open, or twice", c.GetID())
			}
			seen[c.GetID()] = true
		}
		if want := (len(open) + mgrChunk - 1) / mgrChunk; len(m.chunks) > want+1 {
			t.Fatalf("%d chunks for %d connections: spare chunks kept", len(m.chunks), len(open))
		}
	}
	for round := 0; round < 3; round++ {
		for i := 0; i < 2*mgrChunk+100; i++ {
			c := &connection{id: next}
			next++
			open[c.id] = c
			m.add(c)
		}
		check()
		for id, c := range open {
			if rng.Intn(3) > 0 {
				m.remove(c)
				delete(open, id)
				if c.slot != -1 {
					t.Fatalf("slot %d after remove", c.slot)
				}
				m.remove(c) // a second remove is a no-op
			}
		}
		check()
		for id, c := range open {
			if m.Get(id) != c {
				t.Fatalf("Get(%d) did not find it", id)
			}
		}
	}
	for id, c := range open {
		m.remove(c)
		delete(open, id)
	}
	check()
	if m.Get(0) != nil || len(m.chunks) > 1 {
		t.Fatalf("empty manager: Get(0) = %v, %d chunks", m.Get(0), len(m.chunks))
	}
}
