package hist_test

import (
	"fmt"
	"time"

	"github.com/netman-go/netman/benchmarks/internal/hist"
)

func ExampleHistogram() {
	var h hist.Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	// Quantiles are bucket upper edges: never below the true value, at most
	// 1/64 above it.
	fmt.Println(h.Count(), h.Quantile(0.5), h.Quantile(0.99), h.Max())
	// Output: 1000 503.807µs 991.231µs 1ms
}
