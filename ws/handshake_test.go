package ws_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/netman-go/netman/ws"
	"github.com/netman-go/netman/ws/internal/wstest"
)

func TestUpgradeByteByByte(t *testing.T) {
	f, rec, out := newConn(t, ws.WithSubprotocols("chat", "superchat"))
	req := wstest.Request("/room/a%20b?user=ann&id=7",
		"Origin: http://example.com", "Sec-WebSocket-Protocol: v2, superchat, chat", "X-Token: abc")
	if err := f.feedBytewise([]byte(req)); err != nil {
		t.Fatal(err)
	}
	if len(f.pending) != 0 {
		t.Fatalf("%d bytes left unconsumed", len(f.pending))
	}
	resp, rest := splitResponse(t, out.Bytes())
	if resp.StatusCode != 101 || len(rest) != 0 {
		t.Fatalf("status %d, %d extra bytes", resp.StatusCode, len(rest))
	}
	if out.writes != 1 {
		t.Errorf("101 written in %d writes, want 1", out.writes)
	}
	for k, want := range map[string]string{
		"Upgrade": "websocket", "Connection": "Upgrade",
		"Sec-Websocket-Accept": wstest.AcceptKey, "Sec-Websocket-Protocol": "superchat",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if len(rec.events) != 1 || rec.events[0].kind != "open" {
		t.Fatalf("events %+v", rec.events)
	}
	e := rec.events[0]
	r := e.req
	if r.Path != "/room/a b" || r.Query().Get("user") != "ann" || r.Query().Get("id") != "7" ||
		r.Origin != "http://example.com" || r.Subprotocol != "superchat" || r.Host != "127.0.0.1" ||
		e.header.Get("X-Token") != "abc" || len(e.protos) != 3 || r.Compressed {
		t.Fatalf("request %+v", r)
	}
}

func TestUpgradeThenFramesInSameFeed(t *testing.T) {
	f, rec, _ := newConn(t)
	data := "\r\n" + wstest.Request("/") + string(wstest.Frame(1, true, 0, []byte("hi")))
	if err := f.feed([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if got := rec.messages(); len(got) != 1 || got[0] != "T:hi" {
		t.Fatalf("messages %q", got)
	}
}

func TestUpgradeAccepts(t *testing.T) {
	base := "GET / HTTP/1.1\r\nHost: h\r\nSec-WebSocket-Key: " + wstest.Key + "\r\nSec-WebSocket-Version: 13\r\n"
	for name, req := range map[string]string{
		"token lists":    base + "Upgrade: foo, WebSocket\r\nConnection: keep-alive, UPGRADE\r\n\r\n",
		"bare LF":        strings.ReplaceAll(base+"Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n", "\r\n", "\n"),
		"absolute URI":   strings.Replace(base, "GET /", "GET http://h/x?a=1", 1) + "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
		"headers spaced": base + "Upgrade:websocket  \r\nConnection:\tUpgrade\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			f, _, out := newConn(t)
			if err := f.feedBytewise([]byte(req)); err != nil {
				t.Fatal(err)
			}
			if resp, _ := splitResponse(t, out.Bytes()); resp.StatusCode != 101 {
				t.Fatalf("status %d", resp.StatusCode)
			}
		})
	}
}

func TestUpgradeRejections(t *testing.T) {
	const (
		host = "Host: h\r\n"
		upg  = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		key  = "Sec-WebSocket-Key: " + wstest.Key + "\r\n"
		ver  = "Sec-WebSocket-Version: 13\r\n"
		get  = "GET /chat HTTP/1.1\r\n"
	)
	tests := []struct {
		name    string
		req     string
		status  int
		want    error
		options []ws.Option
	}{
		{"plain GET", get + host + "Accept: */*\r\n\r\n", 400, ws.ErrNotUpgrade, nil},
		{"POST", "POST /chat HTTP/1.1\r\n" + host + upg + key + ver + "\r\n", 405, ws.ErrBadMethod, nil},
		{"HTTP/1.0", "GET /chat HTTP/1.0\r\n" + host + upg + key + ver + "\r\n", 400, ws.ErrMalformedRequest, nil},
		{"HTTP/2.0", "GET /chat HTTP/2.0\r\n" + host + upg + key + ver + "\r\n", 505, ws.ErrMalformedRequest, nil},
		{"garbage request line", "\x16\x03\x01 hello\r\n\r\n", 400, ws.ErrMalformedRequest, nil},
		{"two spaces in request line", "GET  /chat HTTP/1.1\r\n" + host + upg + key + ver + "\r\n", 400, ws.ErrMalformedRequest, nil},
		{"bad target", "GET chat HTTP/1.1\r\n" + host + upg + key + ver + "\r\n", 400, ws.ErrMalformedRequest, nil},
		{"no Host", get + upg + key + ver + "\r\n", 400, ws.ErrBadHost, nil},
		{"two Hosts", get + host + host + upg + key + ver + "\r\n", 400, ws.ErrBadHost, nil},
		{"no Upgrade", get + host + "Connection: Upgrade\r\n" + key + ver + "\r\n", 400, ws.ErrNotUpgrade, nil},
		{"Upgrade h2c", get + host + "Upgrade: h2c\r\nConnection: Upgrade\r\n" + key + ver + "\r\n", 400, ws.ErrNotUpgrade, nil},
		{"no Connection", get + host + "Upgrade: websocket\r\n" + key + ver + "\r\n", 400, ws.ErrNotUpgrade, nil},
		{"Connection keep-alive", get + host + "Upgrade: websocket\r\nConnection: keep-alive\r\n" + key + ver + "\r\n", 400, ws.ErrNotUpgrade, nil},
		{"no key", get + host + upg + ver + "\r\n", 400, ws.ErrBadKey, nil},
		{"two keys", get + host + upg + key + key + ver + "\r\n", 400, ws.ErrBadKey, nil},
		{"short key", get + host + upg + "Sec-WebSocket-Key: abc\r\n" + ver + "\r\n", 400, ws.ErrBadKey, nil},
		{"key not base64", get + host + upg + "Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!==\r\n" + ver + "\r\n", 400, ws.ErrBadKey, nil},
		{"key of 17 bytes", get + host + upg + "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAA=\r\n" + ver + "\r\n", 400, ws.ErrBadKey, nil},
		{"version 8", get + host + upg + key + "Sec-WebSocket-Version: 8\r\n\r\n", 426, ws.ErrBadVersion, nil},
		{"version list", get + host + upg + key + "Sec-WebSocket-Version: 13, 8\r\n\r\n", 426, ws.ErrBadVersion, nil},
		{"no version", get + host + upg + key + "\r\n", 426, ws.ErrBadVersion, nil},
		{"obs-fold", get + host + upg + key + ver + "X-A: 1\r\n  continued\r\n\r\n", 400, ws.ErrMalformedRequest, nil},
		{"space before colon", get + host + upg + key + ver + "X-A : 1\r\n\r\n", 400, ws.ErrMalformedRequest, nil},
		{"no colon", get + host + upg + key + ver + "X-A\r\n\r\n", 400, ws.ErrMalformedRequest, nil},
		{"control char", get + host + upg + key + ver + "X-A: a\x00b\r\n\r\n", 400, ws.ErrMalformedRequest, nil},
		{"header too large", get + host + upg + key + ver + "X-Big: " + repeat("a", 9000) + "\r\n\r\n", 431, ws.ErrHeaderTooLarge, nil},
		{"header too large, limit option", get + host + upg + key + ver + "X-Big: " + repeat("a", 200) + "\r\n\r\n", 431, ws.ErrHeaderTooLarge,
			[]ws.Option{ws.WithMaxHeaderBytes(256)}},
		{"origin refused", get + host + upg + key + ver + "Origin: http://evil\r\n\r\n", 403, ws.ErrForbiddenOrigin,
			[]ws.Option{ws.WithCheckOrigin(func(r ws.Request) bool { return r.Origin == "http://good" })}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, bytewise := range []bool{false, true} {
				f, rec, out := newConn(t, tt.options...)
				var err error
				if bytewise {
					err = f.feedBytewise([]byte(tt.req))
				} else {
					err = f.feed([]byte(tt.req))
				}
				var he *ws.HandshakeError
				if !errors.As(err, &he) || !errors.Is(err, ws.ErrHandshake) || !errors.Is(err, tt.want) || he.Status != tt.status {
					t.Fatalf("bytewise=%v: err %v, want %v with HTTP %d", bytewise, err, tt.want, tt.status)
				}
				resp, _ := splitResponse(t, out.Bytes())
				if resp.StatusCode != tt.status || !resp.Close || !strings.Contains(string(out.Bytes()), "\r\nConnection: close\r\n") {
					t.Fatalf("response %q", out.Bytes())
				}
				if tt.status == 426 && resp.Header.Get("Sec-WebSocket-Version") != "13" {
					t.Fatalf("426 without Sec-WebSocket-Version: 13")
				}
				if tt.status == 405 && resp.Header.Get("Allow") != "GET" {
					t.Fatalf("405 without Allow: GET")
				}
				if len(rec.events) != 0 {
					t.Fatalf("handler saw %+v", rec.events)
				}
				if n, err := f.c.Feed([]byte("more")); n != 0 || !errors.Is(err, ws.ErrClosed) {
					t.Fatalf("Feed after rejection: %d, %v", n, err)
				}
			}
		})
	}
}

func TestUpgradeHeaderLimitIsBounded(t *testing.T) {
	// A request that never ends is answered with 431 once it passes the limit, not buffered.
	f, _, out := newConn(t, ws.WithMaxHeaderBytes(1024))
	line := []byte("X-Filler: 0123456789012345678901234567890123456789\r\n")
	err := f.feed([]byte("GET / HTTP/1.1\r\n"))
	for i := 0; err == nil && i < 100; i++ {
		err = f.feed(line)
	}
	if !errors.Is(err, ws.ErrHeaderTooLarge) {
		t.Fatalf("err %v", err)
	}
	if len(f.pending) > 1024+len(line) {
		t.Fatalf("kept %d bytes", len(f.pending))
	}
	if resp, _ := splitResponse(t, out.Bytes()); resp.StatusCode != 431 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestWriteBeforeUpgrade(t *testing.T) {
	f, _, _ := newConn(t)
	if err := f.c.WriteText([]byte("x")); !errors.Is(err, ws.ErrNotOpen) {
		t.Fatalf("WriteText: %v", err)
	}
	if err := f.c.Close(ws.StatusNormalClosure, ""); !errors.Is(err, ws.ErrNotOpen) {
		t.Fatalf("Close: %v", err)
	}
}

// TestRequestTargetMatchesNetURL: Path and RawQuery are those url.ParseRequestURI gives.
func TestRequestTargetMatchesNetURL(t *testing.T) {
	for _, target := range []string{
		"/", "/chat", "/chat?room=1", "/a%20b?q=%20", "/a%2Fb", "/?", "/??x", "/a?b?c", "//double/slash?x",
		"/caf%C3%A9", "/bad%zz", "/bad%", "/%", "/a#frag", "/a?b#frag", "/+plus", "/semi;colon",
		"http://example.com/abs?x=1", "*", "chat", "http://[::1", "/x:y",
	} {
		path, query, ok := ws.SplitTargetForTest(target)
		u, err := url.ParseRequestURI(target)
		if ok != (err == nil) || (ok && (path != u.Path || query != u.RawQuery)) {
			t.Errorf("%q: got %q %q %v; net/url: %+v %v", target, path, query, ok, u, err)
		}
	}
}

// TestUpgradeFieldScanning: the header fields the handshake needs are found without building a
// map, with the semantics of one: names match case-insensitively, repeated fields count (and
// the first one wins where one is expected), token lists are comma-separated with optional
// spaces and tabs, and values are trimmed.
func TestUpgradeFieldScanning(t *testing.T) {
	const (
		get  = "GET /chat HTTP/1.1\r\n"
		host = "Host: h\r\n"
		upg  = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		key  = "Sec-WebSocket-Key: " + wstest.Key + "\r\n"
		ver  = "Sec-WebSocket-Version: 13\r\n"
	)
	tests := []struct {
		name   string
		req    string
		status int   // 101 or the rejection's
		want   error // for a rejection
	}{
		{"lower-case names", get + "host: h\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-key: " + wstest.Key + "\r\nsec-websocket-version: 13\r\n", 101, nil},
		{"upper-case names", get + "HOST: h\r\nUPGRADE: WEBSOCKET\r\nCONNECTION: UPGRADE\r\nSEC-WEBSOCKET-KEY: " + wstest.Key + "\r\nSEC-WEBSOCKET-VERSION: 13\r\n", 101, nil},
		{"Upgrade in a second field", get + host + "Upgrade: h2c\r\nupgrade: websocket\r\nConnection: Upgrade\r\n" + key + ver, 101, nil},
		{"Connection in a second field", get + host + "Upgrade: websocket\r\nConnection: keep-alive\r\nconnection: upgrade\r\n" + key + ver, 101, nil},
		{"tokens without spaces", get + host + "Upgrade: x,websocket\r\nConnection: keep-alive,Upgrade\r\n" + key + ver, 101, nil},
		{"tokens with tabs and empty elements", get + host + "Upgrade: ,\t websocket\t,\r\nConnection: , ,\tupgrade \r\n" + key + ver, 101, nil},
		{"values trimmed", get + "Host:   h \t\r\n" + upg + "Sec-WebSocket-Key:\t" + wstest.Key + "  \r\nSec-WebSocket-Version:  13\t\r\n", 101, nil},
		{"token is a prefix", get + host + "Upgrade: websockets\r\nConnection: Upgrade\r\n" + key + ver, 400, ws.ErrNotUpgrade},
		{"tokens separated by a space", get + host + "Upgrade: websocket\r\nConnection: keep-alive upgrade\r\n" + key + ver, 400, ws.ErrNotUpgrade},
		{"token in a quoted list", get + host + "Upgrade: websocket\r\nConnection: \"upgrade\"\r\n" + key + ver, 400, ws.ErrNotUpgrade},
		{"Host twice, names differing in case", get + host + "HOST: h\r\n" + upg + key + ver, 400, ws.ErrBadHost},
		{"empty Host and Host", get + "Host:\r\n" + host + upg + key + ver, 400, ws.ErrBadHost},
		{"key twice, names differing in case", get + host + upg + key + "sec-websocket-key: " + wstest.Key + "\r\n" + ver, 400, ws.ErrBadKey},
		{"version twice, both 13", get + host + upg + key + ver + "sec-websocket-version: 13\r\n", 426, ws.ErrBadVersion},
		{"version with a suffix", get + host + upg + key + "Sec-WebSocket-Version: 13.0\r\n", 426, ws.ErrBadVersion},
		{"similar names ignored", get + host + upg + key + ver + "Hosts: x\r\nX-Host: y\r\nSec-WebSocket-Key2: z\r\n", 101, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, rec, out := newConn(t)
			err := f.feedBytewise([]byte(tt.req + "\r\n"))
			resp, _ := splitResponse(t, out.Bytes())
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (err %v)", resp.StatusCode, tt.status, err)
			}
			if tt.status == 101 {
				if err != nil || len(rec.events) != 1 || rec.events[0].req.Host != "h" {
					t.Fatalf("err %v, events %+v", err, rec.events)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
		})
	}
}

// TestRequestFields: Origin is the first Origin field, Protocols lists the offers of every
// Sec-WebSocket-Protocol field in order, the first offer the server speaks is selected, and
// Header returns every field, keyed by canonical name.
func TestRequestFields(t *testing.T) {
	var origin string
	f, rec, out := newConn(t, ws.WithSubprotocols("chat", "b"),
		ws.WithCheckOrigin(func(r ws.Request) bool { origin = r.Origin; return true }))
	req := wstest.Request("/p?q=1", "Origin: http://first", "origin: http://second",
		"Sec-WebSocket-Protocol: a", "sec-websocket-protocol: \tb ,, chat", "x-multi: 1", "X-Multi:  2 ",
		"x-www-form: v", "Cookie: a=1; b=2")
	if err := f.feed([]byte(req)); err != nil {
		t.Fatal(err)
	}
	if resp, _ := splitResponse(t, out.Bytes()); resp.Header.Get("Sec-WebSocket-Protocol") != "b" {
		t.Fatalf("selected %q", resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	e := rec.events[0]
	r := e.req
	if origin != "http://first" || r.Origin != "http://first" || r.Subprotocol != "b" ||
		r.URI != "/p?q=1" || r.Path != "/p" || r.RawQuery != "q=1" || r.Host != "127.0.0.1" {
		t.Fatalf("request %+v (origin seen by the hook %q)", r, origin)
	}
	if !slices.Equal(e.protos, []string{"a", "b", "chat"}) {
		t.Fatalf("Protocols %q", e.protos)
	}
	h := e.header
	for k, want := range map[string][]string{
		"Origin": {"http://first", "http://second"}, "X-Multi": {"1", "2"}, "X-Www-Form": {"v"},
		"Cookie": {"a=1; b=2"}, "Sec-Websocket-Key": {wstest.Key}, "Host": {"127.0.0.1"},
	} {
		if !slices.Equal(h[k], want) {
			t.Errorf("Header()[%q] = %q, want %q", k, h[k], want)
		}
	}
	if got := (&ws.Request{}).Protocols(); got != nil {
		t.Errorf("Protocols of a request without offers: %q", got)
	}
}

// TestUpgradeAllocations: a browser's upgrade costs the ServerConn and one string holding the
// Request's fields, whatever the number of header fields: the Request is a value and the header
// block is not copied.
func TestUpgradeAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers")
	}
	tests := []struct {
		name string
		opts []ws.Option
		req  string
		max  float64
	}{
		{"browser", nil, browserUpgrade, 2},
		{"browser, subprotocols and origin check", []ws.Option{ws.WithSubprotocols("chat"),
			ws.WithCheckOrigin(func(r ws.Request) bool { return r.Origin != "" })},
			strings.Replace(browserUpgrade, "\r\n\r\n", "\r\nSec-WebSocket-Protocol: v1, chat\r\n\r\n", 1), 2},
		{"minimal", nil, wstest.Request("/"), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := upgradeAllocs(t, ws.NewServer(nopHandler{}, tt.opts...), tt.req); n > tt.max {
				t.Errorf("%.1f allocations per upgrade, want at most %.0f", n, tt.max)
			}
		})
	}
}

// TestRequestOutlivesBuffer: the codec parses the glue's buffer without copying it, so a
// Request kept after OnOpen, and what Header and Protocols returned during it, must not change
// when the buffer is reused; Header and Protocols return nil once the hook has returned, and each
// call during it returns a fresh copy.
func TestRequestOutlivesBuffer(t *testing.T) {
	var during, again http.Header
	h := &keepRequest{fn: func(r *ws.Request) {
		during, again = r.Header(), r.Header()
		during.Set("X-Multi", "changed")
	}}
	srv := ws.NewServer(h, ws.WithSubprotocols("chat"))
	c := srv.NewConn(discard)
	buf := []byte(wstest.Request("/a%20b?q=1", "Origin: http://o", "Sec-WebSocket-Protocol: x, chat", "X-Multi: 1", "x-multi: 2"))
	if n, err := c.Feed(buf); err != nil || n != len(buf) {
		t.Fatalf("Feed: %d, %v", n, err)
	}
	for i := range buf {
		buf[i] = '#'
	}
	r := h.req
	want := ws.Request{URI: "/a%20b?q=1", Path: "/a b", RawQuery: "q=1", Host: "127.0.0.1", Origin: "http://o", Subprotocol: "chat"}
	if r.URI != want.URI || r.Path != want.Path || r.RawQuery != want.RawQuery || r.Host != want.Host ||
		r.Origin != want.Origin || r.Subprotocol != want.Subprotocol {
		t.Fatalf("request after the buffer was reused: %+v", r)
	}
	if !slices.Equal(again.Values("X-Multi"), []string{"1", "2"}) || again.Get("Origin") != "http://o" ||
		again.Get("Sec-WebSocket-Protocol") != "x, chat" {
		t.Fatalf("header after the buffer was reused: %q", again)
	}
	for k := range again {
		if strings.Contains(k, "#") {
			t.Fatalf("header key %q changed with the buffer", k)
		}
	}
	if r.Header() != nil || r.Protocols() != nil {
		t.Fatalf("Header and Protocols after OnOpen: %v, %q", r.Header(), r.Protocols())
	}
}

// keepRequest is a ws.Handler that keeps the Request and calls fn with it in OnOpen.
type keepRequest struct {
	req *ws.Request
	fn  func(r *ws.Request)
}

func (h *keepRequest) OnOpen(_ *ws.ServerConn, r ws.Request)       { h.req = &r; h.fn(&r) }
func (*keepRequest) OnMessage(*ws.ServerConn, ws.OpCode, []byte)   {}
func (*keepRequest) OnClose(*ws.ServerConn, ws.StatusCode, string) {}
