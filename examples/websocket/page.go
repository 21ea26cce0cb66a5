// Package websocket holds the WebSocket example's browser page, so the
// example server can serve it on its WebSocket port.
package websocket

import _ "embed"

// ClientHTML is client.html: buttons to connect to the server that served
// it, send a JSON message, and close; the server's replies are appended.
//
//go:embed client.html
var ClientHTML []byte
