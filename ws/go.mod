module github.com/netman-go/netman/ws

go 1.24.0

require (
	github.com/coder/websocket v1.8.15
	github.com/gobwas/httphead v0.1.0
	github.com/gobwas/ws v1.4.0
	github.com/gorilla/websocket v1.5.3
)

require github.com/gobwas/pool v0.2.1 // indirect
