// Package hist is a fixed-size, log-linear latency histogram in the spirit of
// HdrHistogram: bounded memory whatever the number of samples, and a relative
// error below 1/SubBuckets (about 1.6%) on every reported quantile.
package hist

import (
	"math/bits"
	"sync/atomic"
	"time"
)

const (
	// subBits sets the precision: 2^subBits sub-buckets per power of two.
	subBits = 6
	// SubBuckets is the number of linear sub-buckets in each power-of-two range.
	SubBuckets = 1 << subBits
	// buckets covers values up to 2^63 ns, far more than any latency.
	buckets = (64 - subBits + 1) * SubBuckets
)

// Histogram counts durations. Record is safe for concurrent use; read the
// results (Quantile, Count, Merge) once recording has stopped.
type Histogram struct {
	counts [buckets]atomic.Uint64
	total  atomic.Uint64
	max    atomic.Int64
}

// index maps a value in nanoseconds to its bucket.
func index(v uint64) int {
	if v < SubBuckets {
		return int(v)
	}
	exp := bits.Len64(v) - subBits // >= 1
	return exp*SubBuckets + int(v>>(exp-1)) - SubBuckets
}

// lowest returns the smallest value that maps to bucket i.
func lowest(i int) uint64 {
	if i < SubBuckets {
		return uint64(i)
	}
	exp := i / SubBuckets
	sub := uint64(i%SubBuckets + SubBuckets)
	return sub << (exp - 1)
}

// highest returns the largest value that maps to bucket i.
func highest(i int) uint64 {
	if i+1 >= buckets {
		return ^uint64(0)
	}
	return lowest(i+1) - 1
}

// Record adds one sample; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[index(uint64(d))].Add(1)
	h.total.Add(1)
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// Count returns the number of samples recorded.
func (h *Histogram) Count() uint64 { return h.total.Load() }

// Max returns the largest sample recorded.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Quantile returns the value below which a fraction q (0..1) of the samples
// fall, as the upper edge of the bucket holding it (never below the true
// value, at most ~1.6% above it). It returns 0 when nothing was recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	total := h.total.Load()
	if total == 0 {
		return 0
	}
	if q < 0 {
		q = 0
	}
	if q > 1 {
		q = 1
	}
	rank := uint64(q * float64(total))
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			v := highest(i)
			if m := uint64(h.max.Load()); v > m {
				v = m
			}
			return time.Duration(v)
		}
	}
	return h.Max()
}

// Merge adds the samples of o into h.
func (h *Histogram) Merge(o *Histogram) {
	for i := range o.counts {
		if c := o.counts[i].Load(); c != 0 {
			h.counts[i].Add(c)
		}
	}
	h.total.Add(o.total.Load())
	for {
		m, om := h.max.Load(), o.max.Load()
		if om <= m || h.max.CompareAndSwap(m, om) {
			return
		}
	}
}
