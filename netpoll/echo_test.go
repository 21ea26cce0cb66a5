package netpoll

import (
	"bytes"
	"io"
	"testing"
	"time"
)

func TestEchoSmall(t *testing.T) {
	s := startServer(t, newEchoHandler(), WithLoops(2))
	c := dial(t, s)
	msg := bytes.Repeat([]byte("hello netman "), 1000)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("echo differs")
	}
}
