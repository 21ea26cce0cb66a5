package harness

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

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
	{0xe3, 0x77, 0xc2, 0xff}, // pink
	{0xbc, 0xbd, 0x22, 0xff}, // olive
	{0x39, 0x3b, 0x79, 0xff}, // navy
	{0xad, 0x49, 0x4a, 0xff}, // dark red
	{0x63, 0x79, 0x39, 0xff}, // dark olive
	{0x6b, 0x6e, 0xcf, 0xff}, // indigo
	{0x2f, 0x4f, 0x4f, 0xff}, // dark slate
	{0xff, 0xbb, 0x78, 0xff}, // light orange
	{0x98, 0xdf, 0x8a, 0xff}, // light green
	{0x9e, 0xda, 0xe5, 0xff}, // light cyan
	{0xc5, 0xb0, 0xd5, 0xff}, // lavender
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
	// values[g][s] is bar s in group g; NaN for a missing measurement.
	values [][]float64
	// servers[g][s] is bar s's index in the report's servers, which picks
	// its colour.
	servers [][]int
	unit    func(float64) string
	// intTicks labels the axis with unit too (its labels need no decimals);
	// otherwise ticks get as many decimals as the step needs.
	intTicks bool
	// labelBars writes each bar's value above it (for panels with few bars).
	labelBars bool
}

const (
	panelW = 620
	panelH = 330
	headH  = 82 // the title and two lines of legend
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
	x, y := 12, 34
	for i, s := range r.Servers {
		c := palette[i%len(palette)]
		name := s.Name
		if s.Netman {
			name += " (netman)"
		}
		if w := 18 + 7*len(name); x > 12 && x+w > img.Bounds().Dx()-12 {
			x, y = 12, y+18
		}
		fill(img, image.Rect(x, y, x+14, y+12), c)
		text(img, x+18, y+11, name, black)
		x += 18 + 7*len(name) + 20
	}
	for i, p := range panels {
		ox, oy := (i%cols)*panelW, headH+(i/cols)*panelH
		p.draw(img, image.Rect(ox, oy, ox+panelW, oy+panelH))
	}
	return png.Encode(w, img)
}

// serverIndex returns the index of the named server in r.Servers.
func (r *Report) serverIndex(name string) int {
	for i, s := range r.Servers {
		if s.Name == name {
			return i
		}
	}
	return 0
}

// groupLabel names a chart group: the protocol, unless plain TCP.
func groupLabel(label string, p Protocol) string {
	if p == TCP {
		return label
	}
	return strings.TrimSpace(label + " " + p.Label())
}

// panels turns the report into the chart's panels.
func (r *Report) panels() []panel {
	nan := math.NaN()
	var ps []panel
	// One set of echo panels per protocol: the groups' labels would not fit
	// otherwise.
	for _, proto := range r.protocols() {
		tables := protocolRows(r.Echo, proto, func(t *EchoTable) Protocol { return t.Protocol })
		if len(tables) == 0 {
			continue
		}
		prefix := ""
		if proto != TCP {
			prefix = proto.Label() + " "
		}
		tput := panel{title: prefix + "echo messages/s (higher is better)", unit: siLabel, intTicks: true}
		cpu := panel{title: prefix + "server CPU per message, us (lower is better)", unit: plain}
		p99 := panel{title: prefix + "p99 latency, ms (lower is better)", unit: plain}
		for _, t := range tables {
			group := fmt.Sprintf("%dc x %s", t.Conns, bytesLabel(int64(t.Size)))
			if t.Depth > 1 {
				group += fmt.Sprintf(" x%d", t.Depth)
			}
			var a, b, c []float64
			var idx []int
			for _, row := range t.Rows {
				idx = append(idx, r.serverIndex(row.Server))
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
				p.servers = append(p.servers, idx)
			}
			tput.values, cpu.values, p99.values = append(tput.values, a), append(cpu.values, b), append(p99.values, c)
		}
		ps = append(ps, tput, cpu, p99)
	}
	if r.ranIdle {
		title := fmt.Sprintf("bytes per idle connection (%s conns, lower is better)", thousands(r.IdleConns))
		if r.idleConns(TLS) != r.IdleConns && slices.Contains(r.protocols(), TLS) {
			title = fmt.Sprintf("bytes per idle connection (%s conns, TLS %s; lower is better)", thousands(r.IdleConns), thousands(r.idleConns(TLS)))
		}
		p := panel{title: title, unit: func(v float64) string { return thousands(int(v)) }, intTicks: true, labelBars: true}
		for _, proto := range r.protocols() {
			var v []float64
			var idx []int
			for _, row := range protocolRows(r.Idle, proto, func(row *IdleRow) Protocol { return row.Protocol }) {
				idx = append(idx, r.serverIndex(row.Server))
				if row.Result == nil {
					v = append(v, nan)
				} else {
					v = append(v, row.Result.PerConn)
				}
			}
			label := ""
			if len(r.protocols()) > 1 {
				label = proto.Label()
			}
			p.groups = append(p.groups, label)
			p.values, p.servers = append(p.values, v), append(p.servers, idx)
		}
		ps = append(ps, p)
	}
	if r.ranLarge {
		p := panel{title: fmt.Sprintf("one %s message: echo time, ms (lower is better)", bytesLabel(int64(r.LargeSize))),
			unit: plain, labelBars: true}
		q := panel{title: "one large message: server peak RSS, MiB (lower is better)",
			unit: plain, labelBars: true}
		for _, proto := range r.protocols() {
			var t, h []float64
			var idx []int
			for _, row := range protocolRows(r.Large, proto, func(row *LargeRow) Protocol { return row.Protocol }) {
				idx = append(idx, r.serverIndex(row.Server))
				if row.Result == nil {
					t, h = append(t, nan), append(h, nan)
				} else {
					t = append(t, float64(row.Result.Elapsed)/1e6)
					h = append(h, float64(row.Result.HWM)/(1<<20))
				}
			}
			p.groups, q.groups = append(p.groups, groupLabel("time", proto)), append(q.groups, groupLabel("VmHWM", proto))
			p.values, q.values = append(p.values, t), append(q.values, h)
			p.servers, q.servers = append(p.servers, idx), append(q.servers, idx)
		}
		ps = append(ps, p, q)
	}
	if r.ranSlow {
		// Rows that lost replies are drawn as missing: their time is not
		// the same work.
		p := panel{title: fmt.Sprintf("slow reader (%s at %s/s): echo time, s (lower is better)", bytesLabel(int64(r.SlowSize)), bytesLabel(int64(r.SlowRate))),
			unit: plain, labelBars: true}
		q := panel{title: "slow reader: server peak RSS, MiB (lower is better)", unit: plain, labelBars: true}
		for _, proto := range r.protocols() {
			var t, h []float64
			var idx []int
			for _, row := range protocolRows(r.Slow, proto, func(row *SlowRow) Protocol { return row.Protocol }) {
				idx = append(idx, r.serverIndex(row.Server))
				switch {
				case row.Result == nil:
					t, h = append(t, nan), append(h, nan)
				case !row.Result.Intact():
					t, h = append(t, nan), append(h, float64(row.Result.HWM)/(1<<20))
				default:
					t = append(t, row.Result.Elapsed.Seconds())
					h = append(h, float64(row.Result.HWM)/(1<<20))
				}
			}
			p.groups, q.groups = append(p.groups, groupLabel("time", proto)), append(q.groups, groupLabel("VmHWM", proto))
			p.values, q.values = append(p.values, t), append(q.values, h)
			p.servers, q.servers = append(p.servers, idx), append(q.servers, idx)
		}
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
			ci := s
			if g < len(p.servers) && s < len(p.servers[g]) {
				ci = p.servers[g][s]
			}
			fill(img, image.Rect(bx+1, y(v), bx+bw-1, plot.Max.Y), palette[ci%len(palette)])
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
