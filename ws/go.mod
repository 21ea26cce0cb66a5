module github.com/netman-go/netman/ws

go 1.24
