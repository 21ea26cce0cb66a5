module github.com/netman-go/netman/examples

go 1.24.0

require (
	github.com/gorilla/websocket v1.5.3
	github.com/nats-io/nats-server/v2 v2.12.3
	github.com/netman-go/netman/cluster v0.1.0
	github.com/netman-go/netman/framing v0.1.0
	github.com/netman-go/netman/netman v0.1.0
	github.com/netman-go/netman/netpoll v0.1.0
	github.com/rs/zerolog v1.34.0
)

require (
	github.com/antithesishq/antithesis-sdk-go v0.5.0-default-no-op // indirect
	github.com/gobwas/httphead v0.1.0 // indirect
	github.com/gobwas/pool v0.2.1 // indirect
	github.com/gobwas/ws v1.4.0 // indirect
	github.com/google/go-tpm v0.9.7 // indirect
	github.com/klauspost/compress v1.18.2 // indirect
	github.com/mattn/go-colorable v0.1.13 // indirect
	github.com/mattn/go-isatty v0.0.19 // indirect
	github.com/minio/highwayhash v1.0.4-0.20251030100505-070ab1a87a76 // indirect
	github.com/nats-io/jwt/v2 v2.8.0 // indirect
	github.com/nats-io/nats.go v1.47.0 // indirect
	github.com/nats-io/nkeys v0.4.12 // indirect
	github.com/nats-io/nuid v1.0.1 // indirect
	github.com/netman-go/netman/router v0.1.0 // indirect
	github.com/netman-go/netman/tlsconn v0.1.0 // indirect
	github.com/netman-go/netman/ws v0.1.0 // indirect
	golang.org/x/crypto v0.46.0 // indirect
	golang.org/x/sys v0.41.0 // indirect
	golang.org/x/time v0.14.0 // indirect
)

replace (
	github.com/netman-go/netman/cluster => ../cluster
	github.com/netman-go/netman/framing => ../framing
	github.com/netman-go/netman/netman => ../netman
	github.com/netman-go/netman/netpoll => ../netpoll
	github.com/netman-go/netman/router => ../router
	github.com/netman-go/netman/tlsconn => ../tlsconn
	github.com/netman-go/netman/ws => ../ws
)
