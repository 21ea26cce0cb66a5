package server

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"

	"github.com/netman-go/netman/ws"
)

// serveHTTP answers a plain HTTP GET on a WebSocket port with the
// WithHTTPHandler handler. It runs on the event loop.
func (s *Server) serveHTTP(codec *ws.ServerConn, r ws.Request) (status int, header http.Header, body []byte) {
	c := &wsConnOf(codec).connection
	u, err := url.ParseRequestURI(r.URI)
	if err != nil {
		return http.StatusBadRequest, nil, nil
	}
	req := &http.Request{
		Method: http.MethodGet, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: r.Header(), Body: http.NoBody, Host: r.Host, RequestURI: r.URI, RemoteAddr: c.RemoteAddr().String(),
	}
	rw := &responseBuffer{header: http.Header{}}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error().Int("conn", c.id).Str("panic", fmt.Sprint(p)).Str("uri", r.URI).Msg("HTTP handler panicked")
			status, header, body = http.StatusInternalServerError, nil, nil
		}
	}()
	s.opts.httpHandler.ServeHTTP(rw, req)
	return rw.status, rw.header, rw.body.Bytes()
}

// responseBuffer is the http.ResponseWriter of serveHTTP: the response is
// written in one piece once the handler returns.
type responseBuffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *responseBuffer) Header() http.Header { return b.header }

func (b *responseBuffer) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *responseBuffer) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}
