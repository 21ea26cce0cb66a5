package ws_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/netman-go/netman/ws"
	"github.com/netman-go/netman/ws/internal/wstest"
)

func TestHTTPHandler(t *testing.T) {
	const page = "<!DOCTYPE html><title>t</title>"
	var seen *ws.Request
	var seenHeader http.Header
	handler := func(c *ws.ServerConn, r ws.Request) (int, http.Header, []byte) {
		seen, seenHeader = &r, r.Header()
		switch r.Path {
		case "/":
			return 0, nil, []byte(page)
		case "/headers":
			return 200, http.Header{
				"X-Ok":           {"yes"},
				"X-Injected":     {"a\r\nSet-Cookie: evil"},
				"Bad Name":       {"x"},
				"Content-Length": {"999"},
				"Content-Type":   {"text/plain"},
			}, []byte("plain")
		case "/empty":
			return http.StatusNoContent, nil, []byte("dropped")
		case "/weird":
			return 42, nil, nil
		}
		return http.StatusNotFound, nil, []byte("not found\n")
	}
	const host = "Host: example.com\r\n"
	tests := []struct {
		name     string
		req      string
		status   int
		body     string
		header   map[string]string // expected response headers ("" means absent)
		bytewise bool
	}{
		{"page", "GET /?x=1 HTTP/1.1\r\n" + host + "Origin: http://o\r\n\r\n", 200, page,
			map[string]string{"Content-Type": "text/html; charset=utf-8"}, false},
		{"page byte by byte", "GET / HTTP/1.1\r\n" + host + "\r\n", 200, page, nil, true},
		{"headers", "GET /headers HTTP/1.1\r\n" + host + "\r\n", 200, "plain",
			map[string]string{"X-Ok": "yes", "X-Injected": "", "Set-Cookie": "", "Content-Type": "text/plain", "Content-Length": "5"}, false},
		{"not found", "GET /nothing HTTP/1.1\r\n" + host + "\r\n", 404, "not found\n", nil, false},
		{"no content", "GET /empty HTTP/1.1\r\n" + host + "\r\n", 204, "", nil, false},
		{"invalid status", "GET /weird HTTP/1.1\r\n" + host + "\r\n", 500, "", nil, false},
		{"h2c upgrade is plain", "GET / HTTP/1.1\r\n" + host + "Upgrade: h2c\r\nConnection: Upgrade\r\n\r\n", 200, page, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, rec, out := newConn(t, ws.WithHTTPHandler(handler))
			var err error
			if tc.bytewise {
				err = f.feedBytewise([]byte(tc.req))
			} else {
				err = f.feed([]byte(tc.req))
			}
			if !errors.Is(err, ws.ErrHTTPServed) {
				t.Fatalf("Feed: %v", err)
			}
			resp, rest := splitResponse(t, out.Bytes())
			if resp.StatusCode != tc.status || string(rest) != tc.body {
				t.Fatalf("status %d body %q, want %d %q", resp.StatusCode, rest, tc.status, tc.body)
			}
			if resp.ContentLength != int64(len(tc.body)) || !resp.Close {
				t.Fatalf("Content-Length %d, close %v", resp.ContentLength, resp.Close)
			}
			for k, v := range tc.header {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if len(rec.events) != 0 {
				t.Fatalf("events %+v for a plain request", rec.events)
			}
			if err := f.c.WriteText([]byte("x")); !errors.Is(err, ws.ErrClosed) {
				t.Fatalf("write after a plain response: %v", err)
			}
		})
	}
	if seen == nil || seen.Host != "example.com" {
		t.Fatalf("request %+v", seen)
	}

	// The handler sees the request's parts.
	f, _, _ := newConn(t, ws.WithHTTPHandler(handler))
	f.feed([]byte("GET /a%20b?q=1 HTTP/1.1\r\n" + host + "Origin: http://o\r\nX-A: 1\r\n\r\n"))
	if seen.Path != "/a b" || seen.RawQuery != "q=1" || seen.Origin != "http://o" || seenHeader.Get("X-A") != "1" {
		t.Fatalf("request %+v", seen)
	}
}

// TestHTTPHandlerLeavesUpgradesAlone: upgrades, broken upgrades and other methods are handled as
// without the hook.
func TestHTTPHandlerLeavesUpgradesAlone(t *testing.T) {
	called := false
	opt := ws.WithHTTPHandler(func(*ws.ServerConn, ws.Request) (int, http.Header, []byte) {
		called = true
		return 200, nil, nil
	})
	f, rec, out := newConn(t, opt)
	if err := f.feed([]byte(wstest.Request("/"))); err != nil {
		t.Fatal(err)
	}
	if resp, _ := splitResponse(t, out.Bytes()); resp.StatusCode != 101 || len(rec.events) != 1 {
		t.Fatalf("upgrade: %d, events %+v", resp.StatusCode, rec.events)
	}
	for req, want := range map[string]error{
		"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n":       ws.ErrNotUpgrade,
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n":       ws.ErrBadMethod,
		"GET / HTTP/1.0\r\nHost: h\r\n\r\n":                             ws.ErrMalformedRequest,
		"GET / HTTP/1.1\r\nHost: h\r\nX: " + repeat("a", 9000) + "\r\n": ws.ErrHeaderTooLarge,
	} {
		f, _, _ := newConn(t, opt)
		if err := f.feed([]byte(req)); !errors.Is(err, want) {
			t.Errorf("%.40q: %v, want %v", req, err, want)
		}
	}
	if called {
		t.Fatal("the hook answered a request that is not a plain GET")
	}
}

func ExampleWithHTTPHandler() {
	page := []byte("<!DOCTYPE html><p>hello</p>")
	srv := ws.NewServer(echo{}, ws.WithHTTPHandler(func(c *ws.ServerConn, r ws.Request) (int, http.Header, []byte) {
		if r.Path != "/" {
			return http.StatusNotFound, nil, nil
		}
		return http.StatusOK, http.Header{"Cache-Control": {"no-cache"}}, page
	}))
	var out strings.Builder
	c := srv.NewConn(ws.NopCloser(&out))
	_, err := c.Feed([]byte("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"))
	fmt.Println(err)
	fmt.Print(strings.ReplaceAll(out.String(), "\r\n", "\n"))
	// Output:
	// ws: plain HTTP request served
	// HTTP/1.1 200 OK
	// Cache-Control: no-cache
	// Content-Type: text/html; charset=utf-8
	// Connection: close
	// Content-Length: 27
	//
	// <!DOCTYPE html><p>hello</p>
}
