module github.com/netman-go/netman/tlsconn

go 1.24
