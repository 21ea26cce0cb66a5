package examples

import (
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// seedPrograms are the Go code blocks of the seed framework's README, in
// order, and where each one lives here.
var seedPrograms = []string{
	"seed/tcp/server/main.go",
	"seed/tcp/client/main.go",
	"seed/websocket/server/main.go",
	"seed/tls/server/main.go",
	"seed/tls/client/main.go",
}

// TestSeedExamplesAreVerbatim proves the seed README's examples run here
// with only their import paths changed: each program under seed/ must be
// the README's code block with the import path replaced, gofmt-ed. The
// README sits in the shared folder beside the repository; without it the
// test has nothing to compare and skips (fails in CI, which has it).
func TestSeedExamplesAreVerbatim(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "shared", "seed", "README.md"))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("seed README not found beside the repository (CI lays shared/ beside it):", err)
		}
		t.Skip("seed README not found beside the repository:", err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) != len(seedPrograms) {
		t.Fatalf("seed README has %d Go blocks, want %d", len(blocks), len(seedPrograms))
	}
	for i, b := range blocks {
		want := strings.ReplaceAll(b[1], "github.com/ikilobyte/netman/", "github.com/netman-go/netman/netman/")
		formatted, err := format.Source([]byte(want))
		if err != nil {
			t.Fatalf("%s: seed code does not parse: %v", seedPrograms[i], err)
		}
		got, err := os.ReadFile(seedPrograms[i])
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(formatted) {
			t.Errorf("%s differs from the seed README's block %d beyond its import paths", seedPrograms[i], i+1)
		}
	}
	html := regexp.MustCompile("(?s)```html\n(.*?)```").FindStringSubmatch(string(readme))
	got, err := os.ReadFile("seed/websocket/client/index.html")
	if err != nil || html == nil || string(got) != html[1] {
		t.Errorf("seed/websocket/client/index.html differs from the seed README's page (%v)", err)
	}
}
