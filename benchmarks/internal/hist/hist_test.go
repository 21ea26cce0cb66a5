package hist

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestIndexRoundTrip(t *testing.T) {
	for _, v := range []uint64{0, 1, 63, 64, 65, 127, 128, 1000, 1 << 20, 123456789, 1<<62 + 12345} {
		i := index(v)
		if lo, hi := lowest(i), highest(i); v < lo || v > hi {
			t.Errorf("index(%d) = %d covering [%d, %d]", v, i, lo, hi)
		}
	}
	// Buckets tile the number line without gaps.
	for i := 0; i < 40*SubBuckets; i++ {
		if highest(i)+1 != lowest(i+1) {
			t.Fatalf("gap after bucket %d: %d then %d", i, highest(i), lowest(i+1))
		}
	}
}

func TestQuantileAgainstSortedSamples(t *testing.T) {
	tests := []struct {
		name string
		gen  func(r *rand.Rand) time.Duration
	}{
		{"uniform 10us-1ms", func(r *rand.Rand) time.Duration { return time.Duration(10_000 + r.IntN(990_000)) }},
		{"exponential around 200us", func(r *rand.Rand) time.Duration { return time.Duration(r.ExpFloat64() * 200_000) }},
		{"constant", func(*rand.Rand) time.Duration { return 42 * time.Microsecond }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var h Histogram
			samples := make([]time.Duration, 100_000)
			for i := range samples {
				samples[i] = tt.gen(r)
				h.Record(samples[i])
			}
			slices.Sort(samples)
			for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
				want := samples[int(q*float64(len(samples)))-1]
				got := h.Quantile(q)
				if got < want || float64(got) > float64(want)*(1+1.0/SubBuckets)+1 {
					t.Errorf("q%.3f = %v, sorted samples say %v", q, got, want)
				}
			}
			if h.Count() != uint64(len(samples)) || h.Max() != samples[len(samples)-1] {
				t.Errorf("count %d max %v, want %d %v", h.Count(), h.Max(), len(samples), samples[len(samples)-1])
			}
		})
	}
}

func TestEmptyAndMerge(t *testing.T) {
	var a, b Histogram
	if a.Quantile(0.99) != 0 {
		t.Fatal("empty histogram has a quantile")
	}
	a.Record(time.Millisecond)
	b.Record(3 * time.Millisecond)
	b.Record(-time.Second)
	a.Merge(&b)
	if a.Count() != 3 || a.Max() != 3*time.Millisecond || a.Quantile(0) != 0 {
		t.Fatalf("merged: count %d max %v q0 %v", a.Count(), a.Max(), a.Quantile(0))
	}
}
