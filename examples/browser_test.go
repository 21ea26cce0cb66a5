package examples

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// browser is headless Chromium driven through the Chrome DevTools Protocol
// over its WebSocket, with one page attached.
type browser struct {
	t       *testing.T
	cmd     *exec.Cmd
	conn    *websocket.Conn
	session string

	wmu     sync.Mutex // serialises writes to conn
	mu      sync.Mutex
	nextID  int
	pending map[int]chan cdpReply
	console []string // console messages and exceptions of the page
	readErr error
}

type cdpReply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// startBrowser starts Debian's chromium with a fresh profile and attaches
// to a blank page. It skips the test when chromium is not installed.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (Debian: apt-get install -y chromium); skipping the browser test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--disable-dev-shm-usage", "--window-size=800,500",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"about:blank")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b := &browser{t: t, cmd: cmd, pending: map[int]chan cdpReply{}}
	t.Cleanup(func() {
		if b.conn != nil {
			b.call("", "Browser.close", nil, nil)
			b.conn.Close()
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		cancel()
		if t.Failed() {
			t.Logf("page console:\n%s", strings.Join(b.consoleLines(), "\n"))
		}
	})

	// Chromium prints its DevTools endpoint on stderr.
	endpoint := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`DevTools listening on (ws://\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				endpoint <- m[1]
			}
		}
	}()
	var url string
	select {
	case url = <-endpoint:
	case <-time.After(60 * time.Second):
		t.Fatal("chromium did not print its DevTools endpoint")
	}
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	b.conn, _, err = d.Dial(url, nil)
	if err != nil {
		t.Fatalf("connect to DevTools: %v", err)
	}
	b.conn.SetReadLimit(64 << 20) // screenshots
	go b.read()

	var target struct {
		TargetID string `json:"targetId"`
	}
	b.must("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	b.must("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	b.session = attached.SessionID
	b.must(b.session, "Page.enable", nil, nil)
	b.must(b.session, "Runtime.enable", nil, nil)
	return b
}

// read dispatches replies to their callers and keeps the page's console.
func (b *browser) read() {
	for {
		var msg struct {
			ID     int             `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
			cdpReply
		}
		if err := b.conn.ReadJSON(&msg); err != nil {
			b.mu.Lock()
			b.readErr = err
			for _, ch := range b.pending {
				close(ch)
			}
			b.pending = map[int]chan cdpReply{}
			b.mu.Unlock()
			return
		}
		b.mu.Lock()
		switch {
		case msg.ID != 0:
			if ch, ok := b.pending[msg.ID]; ok {
				ch <- msg.cdpReply
				delete(b.pending, msg.ID)
			}
		case msg.Method == "Runtime.consoleAPICalled" || msg.Method == "Runtime.exceptionThrown":
			b.console = append(b.console, msg.Method+" "+string(msg.Params))
		}
		b.mu.Unlock()
	}
}

func (b *browser) consoleLines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

// call sends a DevTools command (to the page when session is set) and
// decodes its result into result.
func (b *browser) call(session, method string, params, result any) error {
	b.mu.Lock()
	if b.readErr != nil {
		b.mu.Unlock()
		return b.readErr
	}
	b.nextID++
	id := b.nextID
	ch := make(chan cdpReply, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	req := map[string]any{"id": id, "method": method}
	if params != nil {
		req["params"] = params
	}
	if session != "" {
		req["sessionId"] = session
	}
	b.wmu.Lock()
	err := b.conn.WriteJSON(req)
	b.wmu.Unlock()
	if err != nil {
		return err
	}
	select {
	case r, ok := <-ch:
		switch {
		case !ok:
			return errors.New("DevTools connection closed")
		case r.Error != nil:
			return fmt.Errorf("%s: %s", method, r.Error.Message)
		case result != nil:
			return json.Unmarshal(r.Result, result)
		}
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("%s: no reply", method)
	}
}

func (b *browser) must(session, method string, params, result any) {
	b.t.Helper()
	if err := b.call(session, method, params, result); err != nil {
		b.t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func (b *browser) eval(expr string, v any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := b.call(b.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &r); err != nil {
		return err
	}
	if r.Exception != nil {
		return fmt.Errorf("%s: %s", expr, r.Exception.Text)
	}
	if v == nil || r.Result.Value == nil {
		return nil
	}
	return json.Unmarshal(r.Result.Value, v)
}

// navigate opens url and waits until the page is loaded.
func (b *browser) navigate(url string) {
	b.t.Helper()
	var r struct {
		ErrorText string `json:"errorText"`
	}
	b.must(b.session, "Page.navigate", map[string]any{"url": url}, &r)
	if r.ErrorText != "" {
		b.t.Fatalf("navigate %s: %s", url, r.ErrorText)
	}
	b.waitFor("the page to load", `document.readyState === "complete" && location.href !== "about:blank"`)
}

// waitFor polls a JavaScript condition until it is true.
func (b *browser) waitFor(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ok bool
		err := b.eval("!!("+cond+")", &ok)
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("timed out waiting for %s (%s): %v", what, cond, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// text returns the text content of the element matching selector.
func (b *browser) text(selector string) string {
	b.t.Helper()
	var s string
	if err := b.eval(fmt.Sprintf(`document.querySelector(%q).textContent`, selector), &s); err != nil {
		b.t.Fatal(err)
	}
	return s
}

// click clicks the middle of the element matching selector with the mouse,
// as a user would.
func (b *browser) click(selector string) {
	b.t.Helper()
	var pt struct{ X, Y float64 }
	expr := fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return {x: r.x + r.width/2, y: r.y + r.height/2}; })()`, selector)
	if err := b.eval(expr, &pt); err != nil {
		b.t.Fatalf("find %s: %v", selector, err)
	}
	for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		ev := map[string]any{"type": typ, "x": pt.X, "y": pt.Y}
		if typ != "mouseMoved" {
			ev["button"], ev["clickCount"] = "left", 1
		}
		b.must(b.session, "Input.dispatchMouseEvent", ev, nil)
	}
}

// screenshot writes a PNG of the page to path.
func (b *browser) screenshot(path string) {
	b.t.Helper()
	var r struct {
		Data string `json:"data"`
	}
	b.must(b.session, "Page.captureScreenshot", map[string]any{"format": "png"}, &r)
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
