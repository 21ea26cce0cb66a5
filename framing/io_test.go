package framing_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/netman-go/netman/framing"
)

func TestReadWriteMessagePipe(t *testing.T) {
	for _, tp := range packers {
		t.Run(tp.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			want := testMessages()
			errc := make(chan error, 1)
			go func() {
				for _, m := range want {
					if err := framing.WriteMessage(a, tp.p, m.id, m.payload); err != nil {
						errc <- err
						return
					}
				}
				errc <- a.Close()
			}()
			var got []msg
			for {
				id, p, err := framing.ReadMessage(b, tp.p, 0)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, msg{id, p})
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			sameMessages(t, got, want)
		})
	}
}

// TestClientHelpersAgainstDecoder runs a small echo server over 127.0.0.1 TCP that decodes
// with a Decoder fed by small reads, and a client using WriteMessage / ReadMessage.
func TestClientHelpersAgainstDecoder(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	deadline := time.Now().Add(30 * time.Second)

	srvErr := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			srvErr <- err
			return
		}
		defer c.Close()
		_ = c.SetDeadline(deadline)
		d := framing.NewDecoder(framing.Default, framing.WithMaxBodyLength(4<<20))
		buf := make([]byte, 1000) // small reads split messages at arbitrary places
		for {
			n, err := c.Read(buf)
			if ferr := d.Feed(buf[:n], func(id uint32, p []byte) error {
				return framing.WriteMessage(c, framing.Default, id+1000, p)
			}); ferr != nil {
				srvErr <- ferr
				return
			}
			if err == io.EOF {
				srvErr <- nil
				return
			}
			if err != nil {
				srvErr <- err
				return
			}
		}
	}()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(deadline)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB: the writev path
	want := append(testMessages(), msg{5, big}, msg{6, nil})
	go func() {
		for _, m := range want {
			if err := framing.WriteMessage(c, framing.Default, m.id, m.payload); err != nil {
				return
			}
		}
		_ = c.(*net.TCPConn).CloseWrite()
	}()
	var got []msg
	for range want {
		id, p, err := framing.ReadMessage(c, framing.Default, 0)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, msg{id - 1000, p})
	}
	sameMessages(t, got, want)
	if _, _, err := framing.ReadMessage(c, framing.Default, 0); err != io.EOF {
		t.Fatalf("after the last echo: err = %v, want io.EOF", err)
	}
	if err := <-srvErr; err != nil {
		t.Fatalf("server: %v", err)
	}
}

func TestReadMessageErrors(t *testing.T) {
	full := mustPack(t, 3, "body")
	tests := []struct {
		name     string
		in       []byte
		maxBody  uint32
		wantErr  error
		wantLeft int // bytes left unread in the reader
	}{
		{"clean EOF", nil, 0, io.EOF, 0},
		{"EOF in header", full[:5], 0, io.ErrUnexpectedEOF, 0},
		{"EOF after header", full[:8], 0, io.ErrUnexpectedEOF, 0},
		{"EOF in body", full[:10], 0, io.ErrUnexpectedEOF, 0},
		{"body too large, body left unread", full, 3, framing.ErrBodyTooLarge, 4},
		{"ok", full, 4, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bytes.NewReader(tt.in)
			id, p, err := framing.ReadMessage(r, framing.Default, tt.maxBody)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (id != 3 || string(p) != "body") {
				t.Fatalf("got (%d, %q)", id, p)
			}
			if r.Len() != tt.wantLeft {
				t.Fatalf("%d bytes left unread, want %d", r.Len(), tt.wantLeft)
			}
		})
	}
	if _, _, err := framing.ReadMessage(bytes.NewReader(full), brokenPacker{}, 0); !errors.Is(err, framing.ErrInvalidHeader) {
		t.Fatalf("zero header length: err = %v, want ErrInvalidHeader", err)
	}
}

// writeCounter counts Write calls.
type writeCounter struct {
	bytes.Buffer
	writes int
}

func (w *writeCounter) Write(p []byte) (int, error) { w.writes++; return w.Buffer.Write(p) }

func TestWriteMessage(t *testing.T) {
	for _, size := range []int{0, 10, 64 << 10, 200 << 10} {
		var w writeCounter
		payload := []byte(strings.Repeat("p", size))
		if err := framing.WriteMessage(&w, framing.Default, 9, payload); err != nil {
			t.Fatal(err)
		}
		want, _ := framing.Pack(framing.Default, 9, payload)
		if w.writes != 1 || !bytes.Equal(w.Bytes(), want) {
			t.Fatalf("size %d: %d writes, bytes equal %v; want 1 write of the packed message", size, w.writes, bytes.Equal(w.Bytes(), want))
		}
	}
	var w writeCounter
	if err := framing.WriteMessage(&w, ShortIDPacker{}, 1<<16, nil); !errors.Is(err, errShortID) || w.writes != 0 {
		t.Fatalf("err = %v with %d writes, want the packer's error and no write", err, w.writes)
	}
}
