package harness

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ModulePath is the benchmarks module's path.
const ModulePath = "github.com/netman-go/netman/benchmarks"

// loadgenTarget is the load generator's package.
const loadgenTarget = ModulePath + "/cmd/loadgen"

// Dirs are the places the harness works in.
type Dirs struct {
	// Module is the benchmarks module's directory.
	Module string
	// Root is where go build runs: the workspace root (with go.work) when
	// there is one, so every module of the repository can be built, else
	// Module.
	Root string
	// Build receives the binaries (Module/.build, git-ignored).
	Build string
}

// FindDirs locates the benchmarks module from the working directory: the
// directory itself, one of its parents, or their benchmarks/ child.
func FindDirs() (Dirs, error) {
	wd, err := os.Getwd()
	if err != nil {
		return Dirs{}, err
	}
	for d := wd; ; d = filepath.Dir(d) {
		for _, cand := range []string{d, filepath.Join(d, "benchmarks")} {
			if modulePathOf(filepath.Join(cand, "go.mod")) == ModulePath {
				dirs := Dirs{Module: cand, Root: cand, Build: filepath.Join(cand, ".build")}
				if _, err := os.Stat(filepath.Join(filepath.Dir(cand), "go.work")); err == nil {
					dirs.Root = filepath.Dir(cand)
				}
				return dirs, nil
			}
		}
		if filepath.Dir(d) == d {
			return Dirs{}, fmt.Errorf("%w: no %s module at or above %s", ErrConfig, ModulePath, wd)
		}
	}
}

// modulePathOf returns the module line of a go.mod file, or "".
func modulePathOf(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// build compiles target into dirs.Build/name, with the build tags if any,
// and returns the binary's path.
func build(ctx context.Context, dirs Dirs, name, target, tags string) (string, error) {
	if err := os.MkdirAll(dirs.Build, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dirs.Build, strings.ReplaceAll(name, "/", "-"))
	args := []string{"build", "-o", bin}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, target)...)
	cmd.Dir = dirs.Root
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("%w: %s (go build %s in %s): %v\n%s", ErrBuild, name, target, dirs.Root, err, indent(out.String()))
	}
	return bin, nil
}
