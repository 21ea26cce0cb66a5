//go:build (linux || darwin || freebsd) && !netpoll_portable

package netpoll

const wheelSlots = 512

// wheel is a hashed timing wheel of connections with a timeout. Entries are
// not moved when a connection reads; when a slot comes up, each entry is
// either expired or re-inserted at its new due time. A connection sits in at
// most one slot, so the wheel holds one pointer per watched connection.
type wheel struct {
	tick  int64 // slot width in nanoseconds
	slots [wheelSlots][]*Conn
	cur   int   // slot of the next tick
	next  int64 // loop time at which slot cur is due
	n     int   // entries
}

func (w *wheel) init(tick, now int64) {
	w.tick = tick
	w.next = now + tick
}

func (w *wheel) insert(c *Conn, due int64) {
	ticks := int64(0)
	if due > w.next {
		ticks = (due - w.next + w.tick - 1) / w.tick
	}
	if ticks >= wheelSlots {
		ticks = wheelSlots - 1 // looked at again then, and re-inserted
	}
	s := (w.cur + int(ticks)) % wheelSlots
	w.slots[s] = append(w.slots[s], c)
	w.n++
}

// timeoutMillis is how long the poller may sleep: -1 without entries.
func (w *wheel) timeoutMillis(now int64) int {
	if w.n == 0 {
		return -1
	}
	if now >= w.next {
		return 0
	}
	return int((w.next - now + 999_999) / 1_000_000)
}

// advance processes every slot that is due at l.now.
func (w *wheel) advance(l *loop) {
	if w.n == 0 {
		w.next = l.now + w.tick
		return
	}
	for l.now >= w.next {
		slot := w.slots[w.cur]
		w.slots[w.cur] = nil
		w.cur = (w.cur + 1) % wheelSlots
		w.next += w.tick
		w.n -= len(slot)
		for i, c := range slot {
			slot[i] = nil
			l.expire(c)
		}
		if w.slots[(w.cur+wheelSlots-1)%wheelSlots] == nil && cap(slot) <= 1024 {
			w.slots[(w.cur+wheelSlots-1)%wheelSlots] = slot[:0]
		}
	}
}
