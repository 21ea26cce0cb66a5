module github.com/netman-go/netman/router

go 1.24.0
