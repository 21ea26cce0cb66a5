package conformance

import (
	"bufio"
	"bytes"
	"compress/flate"
	binenc "encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/netman-go/netman/ws/internal/wstest"
)

// closeEmpty is the expected close "code" of a close frame without payload.
const closeEmpty = 0

// step is one action of the client.
type step struct {
	data  []byte
	chop  int  // write data in writes of this many bytes (0: one write)
	await bool // do not send anything more until the server's close frame has arrived (fail fast)
}

// frame is a data or control frame expected from (or received from) the server.
type frame struct {
	op      byte
	payload []byte
	rsv     byte
}

func (f frame) String() string {
	p := string(f.payload)
	if len(p) > 24 {
		p = p[:24] + "..." + strconv.Itoa(len(f.payload))
	}
	return fmt.Sprintf("{op=%d rsv=%d %q}", f.op, f.rsv, p)
}

// Case is one row of the suite: what the client sends and exactly how the server must answer.
type Case struct {
	// ID is the Autobahn case number the case models, e.g. "5.19".
	ID string
	// Desc says what the client does.
	Desc string
	// Note explains a deviation from Autobahn or a choice of the codec, or is empty.
	Note string
	// Config is the server configuration the case needs.
	Config Config

	steps   []step
	want    []frame // frames expected before the server's close frame
	close   int     // code of the server's close frame (closeEmpty for none)
	offer   string  // Sec-WebSocket-Extensions offered
	wantExt string  // Sec-WebSocket-Extensions expected in the 101 response
	check   func(got []frame) error
}

// DefaultMaxMessageSize is the message size limit of a server for a Config that sets none: 16 MiB,
// above the largest message of the suite.
const DefaultMaxMessageSize = 16 << 20

// Config is the configuration of the server a case runs against. Besides it, the server must echo
// every message with its opcode (text as text, binary as binary), accept any origin and start
// no close handshake on its own.
type Config struct {
	// MaxMessageSize is the largest message accepted; 0 or less means DefaultMaxMessageSize.
	MaxMessageSize int
	// Deflate enables permessage-deflate (negotiated without context takeover).
	Deflate bool
	// DeflateThreshold is the smallest outgoing message compressed when Deflate is set.
	DeflateThreshold int
}

// Limit returns MaxMessageSize, or DefaultMaxMessageSize when it is 0 or less.
func (c Config) Limit() int {
	if c.MaxMessageSize <= 0 {
		return DefaultMaxMessageSize
	}
	return c.MaxMessageSize
}

// Cases returns every case of the suite, ordered by ID.
func Cases() []Case {
	var cs []Case
	for _, group := range [][]Case{framingCases(), reservedAndOpcodeCases(), fragmentationCases(),
		utf8Cases(), closeCases(), limitCases(), deflateCases()} {
		cs = append(cs, group...)
	}
	sortCases(cs)
	return cs
}

// Run plays the case over a new TCP connection to the WebSocket server at addr (host:port),
// which must be configured as tc.Config says, and returns nil if the server behaved exactly as
// expected: the frames it sent, the code of its close frame, then the end of the TCP connection.
// It takes at most about a minute when the server misbehaves.
func (tc Case) Run(addr string) error {
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return err
	}
	return tc.RunConn(nc)
}

// RunConn plays the case like Run, over nc: a new connection to the server, not yet upgraded,
// such as a *tls.Conn for a wss server. It closes nc.
func (tc Case) RunConn(nc net.Conn) error {
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(20 * time.Second))

	var extra []string
	if tc.offer != "" {
		extra = append(extra, "Sec-WebSocket-Extensions: "+tc.offer)
	}
	if _, err := io.WriteString(nc, wstest.Request("/", extra...)); err != nil {
		return err
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return fmt.Errorf("reading 101: %w", err)
	}
	if resp.StatusCode != 101 || resp.Header.Get("Sec-WebSocket-Accept") != wstest.AcceptKey {
		return fmt.Errorf("handshake: status %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Sec-WebSocket-Extensions"); got != tc.wantExt {
		return fmt.Errorf("negotiated extensions %q, want %q", got, tc.wantExt)
	}

	// The reader collects frames until EOF; closed signals the server's close frame.
	var (
		mu      sync.Mutex
		got     []frame
		readErr error
		closed  = make(chan struct{})
		done    = make(chan struct{})
	)
	go func() {
		defer close(done)
		var buf []byte
		tmp := make([]byte, 64<<10)
		seenClose := false
		for {
			n, err := br.Read(tmp)
			buf = append(buf, tmp[:n]...)
			for {
				f, m, perr := wstest.ParseServerFrame(buf)
				if perr != nil {
					mu.Lock()
					readErr = perr
					mu.Unlock()
					return
				}
				if m == 0 {
					break
				}
				fr := frame{op: f.Op, rsv: f.Rsv, payload: append([]byte(nil), f.Payload...)}
				if f.Rsv&4 != 0 {
					if fr.payload, perr = inflate(fr.payload); perr != nil {
						mu.Lock()
						readErr = perr
						mu.Unlock()
						return
					}
				}
				if !f.Fin {
					fr.op |= 0x80 // the server never fragments: make any fragment a mismatch
				}
				mu.Lock()
				got = append(got, fr)
				mu.Unlock()
				if f.Op == 8 && !seenClose {
					seenClose = true
					close(closed)
				}
				buf = buf[m:]
			}
			if err != nil {
				if err != io.EOF {
					mu.Lock()
					readErr = err
					mu.Unlock()
				}
				return
			}
		}
	}()

	for _, s := range append(tc.steps, step{data: wstest.Frame(8, true, 0, wstest.ClosePayload(1000, ""))}) {
		if s.await {
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				return errors.New("server did not fail fast: no close frame before the rest was sent")
			}
			break
		}
		if writeChops(nc, s.data, s.chop) != nil {
			break // the server may have closed already; what it sent is checked below
		}
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		return errors.New("server did not close the TCP connection")
	}
	mu.Lock()
	defer mu.Unlock()
	if readErr != nil && !isReset(readErr) {
		return fmt.Errorf("reading: %v", readErr)
	}
	return compare(tc, got)
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

func writeChops(w io.Writer, p []byte, chop int) error {
	if chop <= 0 {
		chop = len(p)
	}
	for len(p) > 0 {
		n := min(chop, len(p))
		if _, err := w.Write(p[:n]); err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

func compare(tc Case, got []frame) error {
	want := tc.want
	if len(got) == 0 || got[len(got)-1].op != 8 {
		return fmt.Errorf("no close frame from the server; got %v", got)
	}
	cl := got[len(got)-1]
	data := got[:len(got)-1]
	for i, f := range data {
		if f.op == 8 {
			return fmt.Errorf("frame %d: more than one close frame", i)
		}
	}
	if len(data) != len(want) {
		return fmt.Errorf("got %d frames before close, want %d: %v", len(data), len(want), head(data))
	}
	for i := range want {
		if data[i].op != want[i].op || !bytes.Equal(data[i].payload, want[i].payload) {
			return fmt.Errorf("frame %d: got %v, want %v", i, data[i], want[i])
		}
	}
	code := closeEmpty
	switch {
	case len(cl.payload) >= 2:
		code = int(binenc.BigEndian.Uint16(cl.payload))
	case len(cl.payload) == 1:
		return fmt.Errorf("close frame with a 1-byte payload")
	}
	if code != tc.close {
		return fmt.Errorf("close code %d, want %d", code, tc.close)
	}
	if tc.check != nil {
		return tc.check(data)
	}
	return nil
}

func head(fs []frame) []frame {
	if len(fs) > 4 {
		return fs[:4]
	}
	return fs
}

func inflate(p []byte) ([]byte, error) {
	r := flate.NewReader(io.MultiReader(bytes.NewReader(p), strings.NewReader("\x00\x00\xff\xff\x01\x00\x00\xff\xff")))
	return io.ReadAll(r)
}
