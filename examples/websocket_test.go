package examples

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	page "github.com/netman-go/netman/examples/websocket"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "copy the browser test's screenshot to websocket/testdata/screenshot.png")

// screenshotPath returns where a browser test leaves its screenshot: a
// fixed place under the system's temporary directory, kept after the test.
func screenshotPath(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "netman-examples")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name+".png")
}

// needSeedPort waits for port 6565, which the seed's programs hard-code, to
// be free. Elsewhere a busy port skips the test; in CI (CI set) it fails it,
// so the seed's programs cannot silently go untested there.
func needSeedPort(t *testing.T) {
	t.Helper()
	if waitPortFree(6565) {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("port 6565, which the seed's programs hard-code, is in use")
	}
	t.Skip("port 6565, which the seed's programs hard-code, is in use")
}

// waitPortFree waits a little for a fixed port to be released by a
// previous test's server; it reports whether it is free.
func waitPortFree(port int) bool {
	for deadline := time.Now().Add(5 * time.Second); !portFree(port); {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}

// wsExchange connects with gorilla/websocket, sends msg, checks the reply,
// and closes with the close handshake.
func wsExchange(t *testing.T, url, msg, want string) {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	c, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if typ, p, err := c.ReadMessage(); err != nil || typ != websocket.TextMessage || string(p) != want {
		t.Fatalf("reply: %d %q %v, want %q", typ, p, err, want)
	}
	c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("close handshake: %v", err)
	}
}

// TestWebsocketExample runs our WebSocket example server: the page is
// served on the WebSocket port, and a client gets "hi <message>".
func TestWebsocketExample(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	srv := run(t, build(t, "websocket/server"), "-addr", addr)
	srv.waitLine(t, "netman server started")
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != string(page.ClientHTML) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	wsExchange(t, "ws://"+addr+"/?room=1", `{"key":"value"}`, `hi {"key":"value"}`)
	srv.waitLine(t, "onopen", "query room=1")
	srv.waitLine(t, `recv {"key":"value"} (text: true)`)
	srv.waitLine(t, "onclose")
}

// TestWebsocketExampleInChromium opens the example's page in headless
// Chromium, clicks connect, send and close, and checks the reply shown in
// the page and the server's Close hook.
func TestWebsocketExampleInChromium(t *testing.T) {
	b := startBrowser(t)
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	srv := run(t, build(t, "websocket/server"), "-addr", addr)
	srv.waitLine(t, "netman server started")

	b.navigate("http://" + addr + "/")
	b.click("#connect")
	b.waitFor("the WebSocket to open", `ws && ws.readyState === WebSocket.OPEN`)
	srv.waitLine(t, "onopen")
	b.click("#send")
	b.waitFor("the reply in the page", `document.querySelectorAll("#append p").length === 1`)
	reply := b.text("#append p")
	if !strings.HasPrefix(reply, `hi {"key":"value","now":`) {
		t.Fatalf("reply shown: %q", reply)
	}
	t.Logf("reply shown in the page: %q", reply)
	srv.waitLine(t, `recv {"key":"value","now":`)
	shot := screenshotPath(t, "websocket-example")
	b.screenshot(shot)
	t.Logf("screenshot of the page with the reply: %s", shot)
	if *updateScreenshot {
		png, _ := os.ReadFile(shot)
		if err := os.WriteFile(filepath.Join("websocket", "testdata", "screenshot.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b.click("#close")
	b.waitFor("the WebSocket to close", `ws.readyState === WebSocket.CLOSED`)
	if st := b.text("#status"); !strings.Contains(st, "code 1000") || !strings.Contains(st, "clean") {
		t.Fatalf("status after close: %q", st)
	}
	srv.waitLine(t, "onclose")
}

// TestSeedWebsocketExample runs the seed README's WebSocket server, as
// written (port 6565), with a gorilla/websocket client.
func TestSeedWebsocketExample(t *testing.T) {
	needSeedPort(t)
	srv := run(t, build(t, "seed/websocket/server"))
	srv.waitLine(t, "netman server started")
	wsExchange(t, "ws://127.0.0.1:6565", `{"key":"value"}`, `hi {"key":"value"}`)
	srv.waitLine(t, "onopen")
	srv.waitLine(t, `recv {"key":"value"}`)
	srv.waitLine(t, "18 <nil>") // fmt.Println(connect.Text(...)): 18 bytes sent, no error
	srv.waitLine(t, "onclose")
}

// TestSeedWebsocketPageInChromium opens the seed's own page (from the file,
// as its README does; it hard-codes ws://127.0.0.1:6565) against the seed's
// server in headless Chromium.
func TestSeedWebsocketPageInChromium(t *testing.T) {
	b := startBrowser(t)
	needSeedPort(t)
	srv := run(t, build(t, "seed/websocket/server"))
	srv.waitLine(t, "netman server started")
	abs, err := filepath.Abs(filepath.Join("seed", "websocket", "client", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	b.navigate("file://" + abs)
	b.click("#connect")
	b.waitFor("the WebSocket to open", `ws && ws.readyState === WebSocket.OPEN`)
	b.click("#send")
	b.waitFor("the reply in the page", `document.querySelectorAll("#append p").length === 1`)
	reply := b.text("#append p")
	if !strings.HasPrefix(reply, `hi {"key":"value","now":`) {
		t.Fatalf("reply shown: %q", reply)
	}
	t.Logf("reply shown in the page: %q", reply)
	shot := screenshotPath(t, "seed-websocket-page")
	b.screenshot(shot)
	t.Logf("screenshot of the seed's page with the reply: %s", shot)
	b.click("#close")
	b.waitFor("the WebSocket to close", `ws.readyState === WebSocket.CLOSED`)
	srv.waitLine(t, "onclose")
}
