package harness

import (
	"bufio"
	"bytes"
	"context"
	"errors"
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
	return bin, runBuild(ctx, cmd, fmt.Sprintf("%s (go build %s in %s)", name, target, dirs.Root))
}

// runBuild runs a compiler; a failure is ErrBuild with what and the
// compiler's output.
func runBuild(ctx context.Context, cmd *exec.Cmd, what string) error {
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %s: %v\n%s", ErrBuild, what, err, indent(out.String()))
	}
	return nil
}

// CCompilers are the C compilers the harness looks for on PATH, in order.
var CCompilers = []string{"cc", "gcc", "clang"}

// ErrNoCompiler reports that no C compiler was found: a C row is skipped,
// not failed.
var ErrNoCompiler = errors.New("benchmarks: no C compiler on PATH")

// buildC compiles the .c files of dirs.Module/srcDir into dir/name with the
// first of CCompilers found, optimised as a C server is deployed (-O2).
func buildC(ctx context.Context, dirs Dirs, dir, name, srcDir string) (string, error) {
	var compiler string
	for _, c := range CCompilers {
		if p, err := exec.LookPath(c); err == nil {
			compiler = p
			break
		}
	}
	if compiler == "" {
		return "", fmt.Errorf("%w (looked for %s)", ErrNoCompiler, strings.Join(CCompilers, ", "))
	}
	srcs, err := filepath.Glob(filepath.Join(dirs.Module, srcDir, "*.c"))
	if err != nil || len(srcs) == 0 {
		return "", fmt.Errorf("%w: %s: no .c files in %s", ErrBuild, name, filepath.Join(dirs.Module, srcDir))
	}
	bin := filepath.Join(dir, name)
	args := append([]string{"-O2", "-Wall", "-Werror", "-std=c11", "-D_GNU_SOURCE", "-o", bin}, srcs...)
	cmd := exec.CommandContext(ctx, compiler, args...)
	return bin, runBuild(ctx, cmd, fmt.Sprintf("%s (%s %s)", name, compiler, strings.Join(args, " ")))
}
