module github.com/netman-go/netman/tlsconn

go 1.24.0

require (
	github.com/netman-go/netman/framing v0.1.0
	github.com/netman-go/netman/netpoll v0.1.0
)

require golang.org/x/sys v0.41.0 // indirect

replace (
	github.com/netman-go/netman/framing => ../framing
	github.com/netman-go/netman/netpoll => ../netpoll
)
