module github.com/netman-go/netman/netman

go 1.24
