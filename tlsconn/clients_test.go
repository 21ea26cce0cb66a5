package tlsconn

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netman-go/netman/framing"
)

// Some tests need many TLS clients whose goroutines and memory must not be
// counted with the server's: the test binary re-runs itself as a client
// process (TestMain below) driven by these variables.
const (
	envMode = "TLSCONN_TEST_CLIENTS" // "burst" or "hold"
	envAddr = "TLSCONN_TEST_ADDR"
	envCA   = "TLSCONN_TEST_CA"
	envN    = "TLSCONN_TEST_N"
	envMsg  = "TLSCONN_TEST_MSG" // payload length of the echo (default 5)
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(envMode); mode != "" {
		os.Exit(runClients(mode))
	}
	os.Exit(m.Run())
}

// runClients is the client process. "burst" starts every client at once,
// each doing a handshake and one echo, then prints "done <ok> <first error>".
// "hold" opens the clients 50 at a time, does one echo each, prints
// "ready <ok>", and keeps them open until its standard input ends.
func runClients(mode string) int {
	n, _ := strconv.Atoi(os.Getenv(envN))
	pemBytes, err := os.ReadFile(os.Getenv(envCA))
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	cfg := &tls.Config{RootCAs: pool, ServerName: "localhost"}
	addr := os.Getenv(envAddr)
	msg := []byte("hello")
	if s := os.Getenv(envMsg); s != "" {
		k, _ := strconv.Atoi(s)
		msg = make([]byte, k)
	}
	one := func() (*tls.Conn, error) {
		d := &net.Dialer{Timeout: 60 * time.Second}
		c, err := tls.DialWithDialer(d, "tcp", addr, cfg)
		if err != nil {
			return nil, err
		}
		c.SetDeadline(time.Now().Add(2 * time.Minute))
		if err := framing.WriteMessage(c, framing.Default, 1, msg); err != nil {
			c.Close()
			return nil, err
		}
		if _, _, err := framing.ReadMessage(c, framing.Default, 0); err != nil {
			c.Close()
			return nil, err
		}
		c.SetDeadline(time.Time{})
		return c, nil
	}
	var mu sync.Mutex
	var conns []*tls.Conn
	var firstErr error
	var wg sync.WaitGroup
	par := n
	if mode == "hold" {
		par = 50
	}
	sem := make(chan struct{}, par)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := one()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			conns = append(conns, c)
		}()
	}
	wg.Wait()
	if mode == "burst" {
		fmt.Printf("done %d %v\n", len(conns), firstErr)
		for _, c := range conns {
			c.Close()
		}
		return 0
	}
	fmt.Printf("ready %d %v\n", len(conns), firstErr)
	io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
	return 0
}

// clientProcess is a running client process.
type clientProcess struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	done   chan error
}

func startClients(t testing.TB, mode, addr string, n int) *clientProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envMode+"="+mode, envAddr+"="+addr,
		envCA+"="+pkiOnce().writeCA(t), envN+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &clientProcess{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout), done: make(chan error, 1)}
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// result reads the process's status line: its word and the client count.
func (p *clientProcess) result(t testing.TB) (string, int) {
	t.Helper()
	line, err := p.stdout.ReadString('\n')
	go func() { p.done <- p.cmd.Wait() }()
	if err != nil {
		t.Fatalf("client process: %v", err)
	}
	f := strings.Fields(line)
	if len(f) < 3 {
		t.Fatalf("client process said %q", line)
	}
	n, _ := strconv.Atoi(f[1])
	if rest := strings.Join(f[2:], " "); rest != "<nil>" {
		t.Logf("client process: first error: %s", rest)
	}
	return f[0], n
}
