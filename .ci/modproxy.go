//go:build ignore

// Command modproxy packs modules of this repository, as they are in the
// working tree, into a directory laid out as a Go module proxy (GOPROXY
// protocol over file://), so that `go get` outside the workspace resolves
// them at the versions versions.yaml names before any tag exists.
//
//	go run .ci/modproxy.go -o DIR [-set folder:path@version]... folder@version...
//
// Each folder@version becomes github.com/netman-go/netman/<folder> at that
// version: DIR/<path>/@v/{list,<v>.info,<v>.mod,<v>.zip}. The zip holds the
// folder's files the way `go mod download` lays them out, leaving out nested
// modules and VCS directories. -set rewrites one require line in the packed
// go.mod of a folder (its .mod and the go.mod inside the zip): .ci/modcheck
// uses it to prove that a requirement on a version nobody packed fails.
package main

import (
	"archive/zip"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

const root = "github.com/netman-go/netman"

type sets []string

func (s *sets) String() string     { return strings.Join(*s, " ") }
func (s *sets) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	log.SetFlags(0)
	out := flag.String("o", "", "proxy directory to write")
	var rewrites sets
	flag.Var(&rewrites, "set", "folder:path@version: rewrite that require in folder's packed go.mod")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		log.Fatal("usage: modproxy -o DIR [-set folder:path@version]... folder@version...")
	}
	for _, arg := range flag.Args() {
		folder, version, ok := strings.Cut(arg, "@")
		if !ok {
			log.Fatalf("modproxy: %q is not folder@version", arg)
		}
		gomod, err := os.ReadFile(filepath.Join(folder, "go.mod"))
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range rewrites {
			f, req, _ := strings.Cut(r, ":")
			p, v, ok := strings.Cut(req, "@")
			if f != folder || !ok {
				continue
			}
			re := regexp.MustCompile(`(?m)^((?:require)?\s*` + regexp.QuoteMeta(p) + `) v\S+`)
			if !re.Match(gomod) {
				log.Fatalf("modproxy: %s/go.mod does not require %s", folder, p)
			}
			gomod = re.ReplaceAll(gomod, []byte("${1} "+v))
		}
		if err := pack(*out, folder, version, gomod); err != nil {
			log.Fatal(err)
		}
	}
}

func pack(out, folder, version string, gomod []byte) error {
	modPath := root + "/" + folder
	dir := filepath.Join(out, filepath.FromSlash(modPath), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "list"), []byte(version+"\n"), 0o644); err != nil {
		return err
	}
	info, _ := json.Marshal(struct{ Version, Time string }{version, time.Now().UTC().Format(time.RFC3339)})
	if err := os.WriteFile(filepath.Join(dir, version+".info"), info, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, version+".mod"), gomod, 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, version+".zip"))
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	prefix := modPath + "@" + version + "/"
	err = filepath.WalkDir(folder, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(folder, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch {
			case rel == ".":
				return nil
			case d.Name() == ".git" || d.Name() == ".hg" || d.Name() == ".svn" || d.Name() == ".bzr" || d.Name() == "vendor":
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir // a nested module is not part of this one
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // the module zip format has no symlinks
		}
		data := gomod
		if rel != "go.mod" {
			if data, err = os.ReadFile(p); err != nil {
				return err
			}
		}
		w, err := zw.Create(path.Clean(prefix + rel))
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err != nil {
		return fmt.Errorf("modproxy: %s: %w", folder, err)
	}
	return zw.Close()
}
