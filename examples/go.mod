module github.com/netman-go/netman/examples

go 1.24.0

require github.com/netman-go/netman/netpoll v0.0.0

require golang.org/x/sys v0.41.0 // indirect

replace github.com/netman-go/netman/netpoll => ../netpoll
