package harness

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// palette colours the servers in registry order; netman's rows come first.
var palette = []color.RGBA{
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x7f, 0x7f, 0x7f, 0xff}, // grey
	{0x1f, 0x77, 0xb4, 0xff}, // blue
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x17, 0xbe, 0xcf, 0xff}, // cyan
	{0x8c, 0x56, 0x4b, 0xff}, // brown
}

var (
	white = color.RGBA{0xff, 0xff, 0xff, 0xff}
	black = color.RGBA{0x20, 0x20, 0x20, 0xff}
	light = color.RGBA{0xe4, 0xe4, 0xe4, 0xff}
)

// panel is one bar chart: groups of bars, one bar per server in each group.
type panel struct {
	title  string
	groups []string
	// values[g][s] is server s in group g; NaN for a missing measurement.
	values [][]float64
	unit   func(float64) string
	// intTicks labels the axis with unit too (its labels need no decimals);
	// otherwise ticks get as many decimals as the step needs.
	intTicks bool
	// labelBars writes each bar's value above it (for panels with few bars).
	labelBars bool
}

const (
	panelW = 620
	panelH = 330
	headH  = 64
)

// Chart draws the report as a PNG: one panel per metric.
func (r *Report) Chart(w io.Writer) error {
	panels := r.panels()
	cols := 2
	rows := (len(panels) + cols - 1) / cols
	img := image.NewRGBA(image.Rect(0, 0, cols*panelW, headH+rows*panelH))
	draw.Draw(img, img.Bounds(), image.NewUniform(white), image.Point{}, draw.Src)

	title := fmt.Sprintf("netman benchmark %s - %s, %d cores, %s", r.Date.Format("2006-01-02"), r.CPU, r.Cores, r.GoVersion)
	if r.Quick {
		title += " - QUICK SMOKE RUN, NOT A MEASUREMENT"
	}
	text(img, 12, 20, title, black)
	x := 12
	for i, s := range r.Servers {
		c := palette[i%len(palette)]
		fill(img, image.Rect(x, 34, x+14, 46), c)
		name := s.Name
		if s.Netman {
			name += " (netman)"
		}
		text(img, x+18, 45, name, black)
		x += 18 + 7*len(name) + 20
	}
	for i, p := range panels {
		ox, oy := (i%cols)*panelW, headH+(i/cols)*panelH
		p.draw(img, image.Rect(ox, oy, ox+panelW, oy+panelH))
	}
	return png.Encode(w, img)
}

// panels turns the report into the chart's panels.
func (r *Report) panels() []panel {
	nan := math.NaN()
	var ps []panel
	if len(r.Echo) > 0 {
		tput := panel{title: "echo messages/s (higher is better)", unit: siLabel, intTicks: true}
		cpu := panel{title: "server CPU per message, us (lower is better)", unit: plain}
		p99 := panel{title: "p99 latency, ms (lower is better)", unit: plain}
		for _, t := range r.Echo {
			group := fmt.Sprintf("%dc x %s", t.Conns, bytesLabel(int64(t.Size)))
			var a, b, c []float64
			for _, row := range t.Rows {
				if len(row.Rounds) == 0 {
					a, b, c = append(a, nan), append(b, nan), append(c, nan)
					continue
				}
				a = append(a, row.MsgPerSec)
				b = append(b, row.CPUPerMsg/1e3)
				c = append(c, float64(row.P99)/1e6)
			}
			for _, p := range []*panel{&tput, &cpu, &p99} {
				p.groups = append(p.groups, group)
			}
			tput.values, cpu.values, p99.values = append(tput.values, a), append(cpu.values, b), append(p99.values, c)
		}
		ps = append(ps, tput, cpu, p99)
	}
	if r.ranIdle {
		p := panel{title: fmt.Sprintf("bytes per idle connection (%s conns, lower is better)", thousands(r.IdleConns)),
			unit: func(v float64) string { return thousands(int(v)) }, intTicks: true, labelBars: true, groups: []string{""}}
		var v []float64
		for _, row := range r.Idle {
			if row.Result == nil {
				v = append(v, nan)
			} else {
				v = append(v, row.Result.PerConn)
			}
		}
		p.values = [][]float64{v}
		ps = append(ps, p)
	}
	if r.ranLarge {
		p := panel{title: fmt.Sprintf("one %s message: echo time, ms (lower is better)", bytesLabel(int64(r.LargeSize))),
			unit: plain, labelBars: true, groups: []string{"time"}}
		q := panel{title: "one large message: server peak RSS, MiB (lower is better)",
			unit: plain, labelBars: true, groups: []string{"VmHWM"}}
		var t, h []float64
		for _, row := range r.Large {
			if row.Result == nil {
				t, h = append(t, nan), append(h, nan)
			} else {
				t = append(t, float64(row.Result.Elapsed)/1e6)
				h = append(h, float64(row.Result.HWM)/(1<<20))
			}
		}
		p.values, q.values = [][]float64{t}, [][]float64{h}
		ps = append(ps, p, q)
	}
	return ps
}

func (p panel) draw(img *image.RGBA, rect image.Rectangle) {
	text(img, rect.Min.X+12, rect.Min.Y+18, p.title, black)
	plot := image.Rect(rect.Min.X+70, rect.Min.Y+40, rect.Max.X-16, rect.Max.Y-36)
	top := 0.0
	for _, g := range p.values {
		for _, v := range g {
			if !math.IsNaN(v) && v > top {
				top = v
			}
		}
	}
	step := niceStep(top / 4)
	top = math.Max(step*math.Ceil(top/step), step)
	y := func(v float64) int { return plot.Max.Y - int(math.Round(v/top*float64(plot.Dy()))) }
	for v := 0.0; v <= top*1.0001; v += step {
		yy := y(v)
		fill(img, image.Rect(plot.Min.X, yy, plot.Max.X, yy+1), light)
		l := tickLabel(v, step)
		if p.intTicks {
			l = p.unit(v)
		}
		text(img, plot.Min.X-8-7*len(l), yy+4, l, black)
	}
	fill(img, image.Rect(plot.Min.X, plot.Min.Y, plot.Min.X+1, plot.Max.Y+1), black)
	fill(img, image.Rect(plot.Min.X, plot.Max.Y, plot.Max.X, plot.Max.Y+1), black)

	ng := len(p.groups)
	if ng == 0 {
		return
	}
	gw := plot.Dx() / ng
	for g, vals := range p.values {
		gx := plot.Min.X + g*gw
		ns := len(vals)
		bw := min((gw-24)/max(ns, 1), 60)
		x0 := gx + (gw-bw*ns)/2
		for s, v := range vals {
			bx := x0 + s*bw
			if math.IsNaN(v) {
				text(img, bx+bw/2-3, plot.Max.Y-4, "x", black)
				continue
			}
			fill(img, image.Rect(bx+1, y(v), bx+bw-1, plot.Max.Y), palette[s%len(palette)])
			if p.labelBars {
				l := p.unit(v)
				text(img, bx+bw/2-7*len(l)/2, y(v)-4, l, black)
			}
		}
		l := p.groups[g]
		text(img, gx+gw/2-7*len(l)/2, plot.Max.Y+18, l, black)
	}
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// tickLabel formats an axis value with the decimals its step needs.
func tickLabel(v, step float64) string {
	d := 0
	if step < 1 {
		d = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	return strconv.FormatFloat(v, 'f', d, 64)
}

// plain formats v with about three significant digits and no exponent.
func plain(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

// siLabel formats v as 950, 12k, 1.5M.
func siLabel(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.3gk", v/1e3)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// text draws s with its baseline at y.
func text(img *image.RGBA, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
