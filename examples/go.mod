module github.com/netman-go/netman/examples

go 1.24
