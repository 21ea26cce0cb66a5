package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Files are the paths a report was written to.
type Files struct {
	// Markdown is <date>.md.
	Markdown string
	// Chart is <date>.png.
	Chart string
	// JSON is <date>.json, every measurement including each round.
	JSON string
}

// Files returns where the report is written in dir.
func (r *Report) Files(dir string) Files {
	base := filepath.Join(dir, r.Date.Format("2006-01-02"))
	return Files{Markdown: base + ".md", Chart: base + ".png", JSON: base + ".json"}
}

// write writes the markdown, the chart and the JSON into cfg.OutDir, and the
// summary when cfg.Summary is set.
func (r *Report) write(cfg Config) error {
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return err
	}
	f := r.Files(cfg.OutDir)
	md := r.Markdown()
	md = strings.Replace(md, "\n\n", fmt.Sprintf("\n\n![chart](%s)\n\n", filepath.Base(f.Chart)), 1)
	if err := os.WriteFile(f.Markdown, []byte(md), 0o644); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(f.JSON, append(js, '\n'), 0o644); err != nil {
		return err
	}
	var png bytes.Buffer
	if err := r.Chart(&png); err != nil {
		return err
	}
	if err := os.WriteFile(f.Chart, png.Bytes(), 0o644); err != nil {
		return err
	}
	if cfg.Summary == "" {
		return nil
	}
	rel, err := filepath.Rel(filepath.Dir(cfg.Summary), cfg.OutDir)
	if err != nil {
		return err
	}
	return os.WriteFile(cfg.Summary, []byte(r.summaryMarkdown(filepath.ToSlash(rel))), 0o644)
}
