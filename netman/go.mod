module github.com/netman-go/netman/netman

go 1.24.0

require (
	github.com/coder/websocket v1.8.15
	github.com/gorilla/websocket v1.5.3
	github.com/netman-go/netman/framing v0.1.0
	github.com/netman-go/netman/netpoll v0.1.0
	github.com/netman-go/netman/router v0.1.0
	github.com/netman-go/netman/ws v0.1.0
	github.com/rs/zerolog v1.34.0
)

require (
	github.com/gobwas/httphead v0.1.0 // indirect
	github.com/gobwas/pool v0.2.1 // indirect
	github.com/gobwas/ws v1.4.0 // indirect
	github.com/mattn/go-colorable v0.1.13 // indirect
	github.com/mattn/go-isatty v0.0.19 // indirect
	github.com/netman-go/netman/tlsconn v0.1.0
	golang.org/x/sys v0.41.0 // indirect
)

replace (
	github.com/netman-go/netman/framing => ../framing
	github.com/netman-go/netman/netpoll => ../netpoll
	github.com/netman-go/netman/router => ../router
	github.com/netman-go/netman/ws => ../ws
)

replace github.com/netman-go/netman/tlsconn => ../tlsconn
