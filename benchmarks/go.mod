module github.com/netman-go/netman/benchmarks

go 1.24
