module github.com/netman-go/netman/framing

go 1.24.0
