package main

import (
	"go/parser"
	"go/token"
	"slices"
	"testing"
)

// TestUndocumented checks which exported names doccheck reports: every kind
// of declaration without a doc comment, and none of those that have one
// (on the name, on its group, or trailing a value).
func TestUndocumented(t *testing.T) {
	const src = `package p

// Documented is documented.
func Documented() {}

func Bare() {}

func unexported() {}

// T is documented.
type T struct{}

type U struct{}

type hidden struct{}

func (T) Method() {}

// Documented has a doc comment.
func (*T) Fine() {}

func (hidden) Exported() {}

type G[K any] struct{}

func (G[K]) OnGeneric() {}

type H[K, V any] struct{}

func (*H[K, V]) OnGeneric2() {}

// Group covers the names in it.
const (
	A = 1
	B = 2
)

const (
	C = 1 // C has a trailing comment.
	D = 2
	// E has its own doc.
	E = 3
)

var V, W int
`
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, id := range undocumented(f) {
		got = append(got, id.Name)
	}
	want := []string{"Bare", "U", "Method", "G", "OnGeneric", "H", "OnGeneric2", "D", "V", "W"}
	if !slices.Equal(got, want) {
		t.Fatalf("undocumented = %v, want %v", got, want)
	}
}
