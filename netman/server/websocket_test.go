package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"
)

func TestWebsocketEchoGorilla(t *testing.T) {
	for _, onLoop := range []bool{false, true} {
		name := "worker pool"
		var opts []Option
		if onLoop {
			name = "handler on loop"
			opts = append(opts, WithHandlerOnLoop())
		}
		t.Run(name, func(t *testing.T) {
			rec := newRecorder()
			_, addr, _ := startWS(t, rec, opts...)
			c, _ := dialGorilla(t, addr, "/chat?room=1&user=a%20b", false)
			for _, n := range []int{0, 1, 125, 126, 65535, 65536, 1 << 20} {
				text := strings.Repeat("é", n/2) + strings.Repeat("x", n%2)
				if err := c.WriteMessage(websocket.TextMessage, []byte(text)); err != nil {
					t.Fatal(err)
				}
				readMsg(t, c, websocket.TextMessage, text)
				bin := bytes.Repeat([]byte{0xff, 0, 1}, n/3)
				if err := c.WriteMessage(websocket.BinaryMessage, bin); err != nil {
					t.Fatal(err)
				}
				readMsg(t, c, websocket.BinaryMessage, string(bin))
			}
			c.WriteMessage(websocket.TextMessage, []byte("query"))
			readMsg(t, c, websocket.TextMessage, "room=1&user=a+b")

			// The client closes: the server echoes its code and Close runs once.
			c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4000, "done"), time.Now().Add(time.Second))
			if code, _ := readClose(t, c); code != 4000 {
				t.Fatalf("close echo %d", code)
			}
			rec.waitClosed(t, 1)
			id := rec.ids()[0]
			if got := rec.count(id, "text") + rec.count(id, "binary"); got != 15 {
				t.Fatalf("%d messages handled, want 15", got)
			}
		})
	}
}

func TestWebsocketEchoCoder(t *testing.T) {
	rec := newRecorder()
	_, addr, _ := startWS(t, rec, WithCompression())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, mode := range []coder.CompressionMode{coder.CompressionDisabled, coder.CompressionNoContextTakeover, coder.CompressionContextTakeover} {
		c, resp, err := coder.Dial(ctx, "ws://"+addr+"/?client=coder", &coder.DialOptions{CompressionMode: mode})
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadLimit(4 << 20)
		ext := resp.Header.Get("Sec-WebSocket-Extensions")
		if (mode == coder.CompressionDisabled) != (ext == "") {
			t.Fatalf("mode %v: extensions %q", mode, ext)
		}
		for _, msg := range []struct {
			typ  coder.MessageType
			data []byte
		}{
			{coder.MessageText, []byte("hello from coder")},
			{coder.MessageBinary, []byte{0, 1, 2, 3}},
			{coder.MessageText, bytes.Repeat([]byte("compressible text "), 20000)},
			{coder.MessageBinary, bytes.Repeat([]byte{7}, 300000)},
		} {
			if err := c.Write(ctx, msg.typ, msg.data); err != nil {
				t.Fatal(err)
			}
			typ, got, err := c.Read(ctx)
			if err != nil || typ != msg.typ || !bytes.Equal(got, msg.data) {
				t.Fatalf("mode %v: echo of %d bytes: type %v, %d bytes, %v", mode, len(msg.data), typ, len(got), err)
			}
		}
		if err := c.Close(coder.StatusNormalClosure, "bye"); err != nil {
			t.Fatalf("close handshake: %v", err)
		}
	}
	rec.waitClosed(t, 3)
}

func TestWebsocketServerCloseWithCode(t *testing.T) {
	rec := newRecorder()
	_, addr, _ := startWS(t, rec)
	// gorilla sees the code and reason.
	c, _ := dialGorilla(t, addr, "/", false)
	c.WriteMessage(websocket.TextMessage, []byte("close 4001 policy says bye"))
	if code, text := readClose(t, c); code != 4001 || text != "policy says bye" {
		t.Fatalf("gorilla got close %d %q", code, text)
	}
	// So does coder/websocket.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cc, _, err := coder.Dial(ctx, "ws://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	cc.Write(ctx, coder.MessageText, []byte("close 1008 no"))
	_, _, err = cc.Read(ctx)
	if got := coder.CloseStatus(err); got != 1008 {
		t.Fatalf("coder got %v (%v)", got, err)
	}
	rec.waitClosed(t, 2)
}

// TestWebsocketRepliesBeforeClose: a client that sends a message and closes
// at once still gets the reply of the (slow) handler before the close echo,
// and a message after a protocol error's trigger is not handled.
func TestWebsocketRepliesBeforeClose(t *testing.T) {
	rec := newRecorder()
	_, addr, _ := startWS(t, rec)
	c, _ := dialGorilla(t, addr, "/", false)
	c.WriteMessage(websocket.TextMessage, []byte("slow one"))
	c.WriteMessage(websocket.TextMessage, []byte("slow two"))
	c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(time.Second))
	readMsg(t, c, websocket.TextMessage, "re: one")
	readMsg(t, c, websocket.TextMessage, "re: two")
	if code, _ := readClose(t, c); code != 1000 {
		t.Fatalf("close %d", code)
	}
	rec.waitClosed(t, 1)
}

func TestWebsocketPingPong(t *testing.T) {
	rec := newRecorder()
	_, addr, _ := startWS(t, rec)
	c, _ := dialGorilla(t, addr, "/", false)
	pongs := make(chan string, 2)
	c.SetPongHandler(func(p string) error { pongs <- p; return nil })
	if err := c.WriteControl(websocket.PingMessage, []byte("heartbeat"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	c.WriteMessage(websocket.TextMessage, []byte("after the ping"))
	readMsg(t, c, websocket.TextMessage, "after the ping") // gorilla runs the pong handler while reading
	select {
	case p := <-pongs:
		if p != "heartbeat" {
			t.Fatalf("pong %q", p)
		}
	default:
		t.Fatal("no pong before the echo")
	}
}

func TestWebsocketMessageTooBigClosesOnlyThatConnection(t *testing.T) {
	rec := newRecorder()
	_, addr, logs := startWS(t, rec, WithMaxMessageSize(1024))
	good, _ := dialGorilla(t, addr, "/", false)
	bad, _ := dialGorilla(t, addr, "/", false)
	bad.WriteMessage(websocket.BinaryMessage, make([]byte, 1025))
	if code, _ := readClose(t, bad); code != websocket.CloseMessageTooBig {
		t.Fatalf("close %d, want 1009", code)
	}
	good.WriteMessage(websocket.BinaryMessage, make([]byte, 1024))
	readMsg(t, good, websocket.BinaryMessage, string(make([]byte, 1024)))
	waitFor(t, "one Close call", func() bool { return rec.total("close") == 1 })
	waitFor(t, "the log line", func() bool { return countLog(logs, "message too large") == 1 })
	if !strings.Contains(logs.String(), `"max_message_size":1024`) {
		t.Fatalf("log:\n%s", logs)
	}
	good.WriteMessage(websocket.TextMessage, []byte("still here"))
	readMsg(t, good, websocket.TextMessage, "still here")
	if n := countLog(logs, "message too large"); n != 1 {
		t.Fatalf("logged %d times", n)
	}
	rec.check(t)
}

// rawUpgrade dials addr, upgrades with a fixed key and returns the conn and
// a reader positioned after the 101 response.
func rawUpgrade(t *testing.T, addr, extra string) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	io.WriteString(nc, "GET /raw HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"+extra+"\r\n")
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	return nc, br
}

func TestWebsocketProtocolErrors(t *testing.T) {
	cases := []struct {
		name  string
		frame []byte
		code  int
		log   string
	}{
		{"unmasked frame", []byte{0x81, 0x02, 'h', 'i'}, 1002, "ws: protocol error (1002)"},
		{"invalid UTF-8", []byte{0x81, 0x81, 0, 0, 0, 0, 0xff}, 1007, "ws: invalid UTF-8 (1007)"},
		{"reserved opcode", []byte{0x83, 0x80, 0, 0, 0, 0}, 1002, "ws: protocol error (1002)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			_, addr, logs := startWS(t, rec)
			nc, br := rawUpgrade(t, addr, "")
			nc.Write(tc.frame)
			nc.Write(tc.frame) // more after the error changes nothing
			out, err := io.ReadAll(br)
			nc.Close()
			if err != nil {
				t.Fatalf("read: %v (the close frame must not be reset away)", err)
			}
			if len(out) != 4 || out[0] != 0x88 || int(out[2])<<8|int(out[3]) != tc.code {
				t.Fatalf("server sent % x, want a close frame with %d", out, tc.code)
			}
			rec.waitClosed(t, 1)
			waitFor(t, "the log line", func() bool { return countLog(logs, tc.log) > 0 })
			if n := countLog(logs, tc.log); n != 1 || !strings.Contains(logs.String(), `"level":"warn"`) {
				t.Fatalf("logged %d times:\n%s", n, logs)
			}
		})
	}
}

// TestWebsocketFailedUpgradeNeverOpens: a refused upgrade, a plain HTTP
// request and a client gone mid-request reach neither Open nor Close.
func TestWebsocketFailedUpgradeNeverOpens(t *testing.T) {
	rec := newRecorder()
	_, addr, logs := startWS(t, rec, WithCheckOrigin(func(origin string) bool { return origin != "http://evil" }))
	for _, tc := range []struct {
		req    string
		status string
	}{
		{"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n", "400"},
		{"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://evil\r\n\r\n", "403"},
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
		{"GET / HTTP/1.1\r\nHost: x\r\nUpgr", ""},
	} {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(30 * time.Second))
		io.WriteString(nc, tc.req)
		if tc.status == "" {
			nc.Close()
			continue
		}
		out, _ := io.ReadAll(nc)
		nc.Close()
		if !bytes.HasPrefix(out, []byte("HTTP/1.1 "+tc.status+" ")) {
			t.Fatalf("response %q, want %s", out, tc.status)
		}
	}
	c, _ := dialGorilla(t, addr, "/", false) // a good one still works
	c.WriteMessage(websocket.TextMessage, []byte("ok"))
	readMsg(t, c, websocket.TextMessage, "ok")
	c.Close()
	rec.waitClosed(t, 1)
	if n := countLog(logs, "websocket upgrade refused"); n != 3 {
		t.Fatalf("%d refusals logged, want 3:\n%s", n, logs)
	}
}

func TestWebsocketCompression(t *testing.T) {
	big := strings.Repeat("a fairly compressible sentence. ", 4096)
	for _, on := range []bool{false, true} {
		rec := newRecorder()
		var opts []Option
		if on {
			opts = append(opts, WithCompression())
		}
		_, addr, _ := startWS(t, rec, opts...)
		c, resp := dialGorilla(t, addr, "/", true)
		ext := resp.Header.Get("Sec-WebSocket-Extensions")
		if on != strings.HasPrefix(ext, "permessage-deflate") {
			t.Fatalf("WithCompression %v: extensions %q", on, ext)
		}
		c.SetReadLimit(1 << 20)
		c.WriteMessage(websocket.TextMessage, []byte(big))
		readMsg(t, c, websocket.TextMessage, big)
	}
}

// TestWebsocketCloseHookOnceWhateverEnds: Close runs exactly once after Open
// whether the client resets the TCP connection, goes silent until the
// heartbeat, or the server stops (clients then get close code 1001).
func TestWebsocketCloseHookOnceWhateverEnds(t *testing.T) {
	rec := newRecorder()
	logs := &syncBuffer{}
	s := Websocket("127.0.0.1", 0, rec, WithLogOutput(logs),
		WithHeartbeatCheckInterval(100*time.Millisecond), WithHeartbeatIdleTime(time.Second))
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Start() }()
	addr := s.Addr().String()

	// A reset.
	reset, _ := dialGorilla(t, addr, "/", false)
	reset.WriteMessage(websocket.TextMessage, []byte("hi"))
	readMsg(t, reset, websocket.TextMessage, "hi")
	reset.NetConn().(*net.TCPConn).SetLinger(0)
	reset.NetConn().Close()

	// A silent one, and a chatty one that pings more often than the idle time.
	silent, _ := dialGorilla(t, addr, "/", false)
	chatty, _ := dialGorilla(t, addr, "/", false)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			chatty.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second))
		}
	}()
	if _, _, err := silent.ReadMessage(); err == nil {
		t.Fatal("silent connection got a message")
	}
	waitFor(t, "Close for the reset and the silent one", func() bool { return rec.total("close") == 2 })
	time.Sleep(1500 * time.Millisecond) // more than an idle period for the chatty one
	close(stop)
	wg.Wait()
	if !strings.Contains(logs.String(), "heartbeat timeout") {
		t.Fatalf("no heartbeat log line:\n%s", logs)
	}
	if rec.total("close") != 2 {
		t.Fatal("the chatty connection was closed")
	}

	// Stop: the chatty one gets 1001.
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code, _ := readClose(t, chatty); code != websocket.CloseGoingAway {
		t.Fatalf("close on Stop: %d", code)
	}
	rec.waitClosed(t, 3)
}

func TestWebsocketBroadcastThroughGetConnects(t *testing.T) {
	const n = 50
	rec := newRecorder()
	s, addr, _ := startWS(t, rec)
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		conns[i], _ = dialGorilla(t, addr, "/", false)
	}
	waitFor(t, "connections registered", func() bool { return s.GetConnectMgr().Len() == n })
	conns[0].WriteMessage(websocket.TextMessage, []byte("broadcast hello everyone"))
	for _, c := range conns {
		readMsg(t, c, websocket.TextMessage, "hello everyone")
	}
	for _, c := range conns {
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(time.Second))
		if code, _ := readClose(t, c); code != 1000 {
			t.Fatalf("close echo %d", code)
		}
	}
	rec.waitClosed(t, n)
	if s.GetConnectMgr().Len() != 0 {
		t.Fatalf("%d connections left", s.GetConnectMgr().Len())
	}
}

func TestWebsocketSendsFromOtherGoroutines(t *testing.T) {
	rec := newRecorder()
	s, addr, _ := startWS(t, rec)
	c, _ := dialGorilla(t, addr, "/", false)
	waitFor(t, "connection registered", func() bool { return s.GetConnectMgr().Len() == 1 })
	conn := s.GetConnectMgr().GetConnects()[0]
	const writers, each = 4, 50
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := conn.Send(0, bytes.Repeat([]byte{byte(w)}, 1000)); err != nil {
					t.Error(err)
					return
				}
				if _, err := conn.Text([]byte(strings.Repeat("t", 1000))); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for i := 0; i < 2*writers*each; i++ {
		typ, p, err := c.ReadMessage()
		if err != nil || len(p) != 1000 || (typ == websocket.TextMessage) != (p[0] == 't') {
			t.Fatalf("message %d: type %d, %d bytes, %v", i, typ, len(p), err)
		}
	}
	c.Close()
	rec.waitClosed(t, 1)
	if _, err := conn.Text([]byte("late")); !errors.Is(err, ErrConnClosed) {
		t.Fatalf("Text after close: %v", err)
	}
	if err := conn.CloseWithCode(1000, ""); !errors.Is(err, ErrConnClosed) {
		t.Fatalf("CloseWithCode after close: %v", err)
	}
}

func TestWebsocketHTTPHandler(t *testing.T) {
	rec := newRecorder()
	page := "<!DOCTYPE html><title>page</title>"
	_, addr, _ := startWS(t, rec, WithHTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, page)
		case "/panic":
			panic("handler bug")
		default:
			http.NotFound(w, r)
		}
	})))
	for path, want := range map[string]int{"/": 200, "/nothing": 404, "/panic": 500} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || (want == 200 && string(body) != page) {
			t.Fatalf("GET %s: %d %q", path, resp.StatusCode, body)
		}
	}
	c, _ := dialGorilla(t, addr, "/", false) // the same port still upgrades
	c.WriteMessage(websocket.TextMessage, []byte("ws"))
	readMsg(t, c, websocket.TextMessage, "ws")
	c.Close()
	rec.waitClosed(t, 1)
}

// TestWebsocketOverTLS: wss through tlsconn, with gorilla/websocket.
func TestWebsocketOverTLS(t *testing.T) {
	pair, certPEM, _ := selfSigned(t, "127.0.0.1")
	rec := newRecorder()
	_, addr, _ := startWS(t, rec, WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pair}}), WithCompression())
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, TLSClientConfig: &tls.Config{RootCAs: roots}, EnableCompression: true}
	c, resp, err := d.Dial("wss://"+addr+"/secure?token=abc", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !strings.HasPrefix(resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
		t.Fatalf("extensions %q", resp.Header.Get("Sec-WebSocket-Extensions"))
	}
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	big := strings.Repeat("secret ", 100000)
	for _, msg := range []string{"hello over TLS", big} {
		c.WriteMessage(websocket.TextMessage, []byte(msg))
		readMsg(t, c, websocket.TextMessage, msg)
	}
	c.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3})
	readMsg(t, c, websocket.BinaryMessage, "\x01\x02\x03")
	c.WriteMessage(websocket.TextMessage, []byte("query"))
	readMsg(t, c, websocket.TextMessage, "token=abc")
	c.WriteMessage(websocket.TextMessage, []byte("close 4002 tls bye"))
	if code, text := readClose(t, c); code != 4002 || text != "tls bye" {
		t.Fatalf("close %d %q", code, text)
	}
	rec.waitClosed(t, 1)
}
