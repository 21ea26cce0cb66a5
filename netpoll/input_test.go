package netpoll

import (
	"errors"
	"testing"
)

func TestInput(t *testing.T) {
	var in Input
	data := []byte("abcdef")
	if got := in.Append(data); &got[0] != &data[0] {
		t.Fatal("Append with nothing kept must return data itself, uncopied")
	}
	if err := in.Keep(data, 4, 10); err != nil || string(in.Bytes()) != "ef" {
		t.Fatalf("Keep: %v, kept %q", err, in.Bytes())
	}
	data[4] = 'X' // the kept bytes are a copy
	next := in.Append([]byte("gh"))
	if string(next) != "efgh" {
		t.Fatalf("Append after a keep: %q", next)
	}
	if err := in.Keep(next, 1, 10); err != nil || string(in.Bytes()) != "fgh" {
		t.Fatalf("Keep of the kept buffer: %v, kept %q", err, in.Bytes())
	}
	if err := in.Keep(in.Bytes(), 0, 10); err != nil || string(in.Bytes()) != "fgh" {
		t.Fatalf("Keep with nothing consumed: %v, kept %q", err, in.Bytes())
	}
	if err := in.Keep(in.Bytes(), 3, 10); err != nil || in.Len() != 0 || in.Bytes() != nil {
		t.Fatalf("everything consumed: %v, kept %q (buffer must be released)", err, in.Bytes())
	}
	if err := in.Keep([]byte("abc"), 0, 2); !errors.Is(err, ErrInputTooLarge) || in.Len() != 0 {
		t.Fatalf("over the limit: %v, kept %d", err, in.Len())
	}
	for _, n := range []int{-1, 4} {
		if err := in.Keep([]byte("abc"), n, 10); err == nil || in.Len() != 0 {
			t.Errorf("consumed %d of 3: %v, kept %d", n, err, in.Len())
		}
	}
	in.Keep([]byte("abc"), 1, 10)
	in.Reset()
	if in.Len() != 0 || in.Bytes() != nil {
		t.Error("Reset kept bytes")
	}
}
