package framing

// HoldsBuffer reports whether d keeps any buffer (a partial message).
func HoldsBuffer(d *Decoder) bool { return d.buf != nil }

// BufCap returns the capacity of the buffer d keeps.
func BufCap(d *Decoder) int { return cap(d.buf) }
