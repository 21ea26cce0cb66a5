package harness

import (
	"fmt"
	"slices"
	"strings"
)

// costPair is one ratio the project holds itself to: the server CPU per
// message of row over that of ref, in the same run, at most limit (below,
// strictly under it).
type costPair struct {
	row, ref string
	limit    float64
	below    bool
}

// costPairs are the targets of the routed path and the bare reactor: the
// routed rows within 1.2x of the bare reactor of their protocol, the bare
// reactor within 1.1x of the C echo and cheaper than gnet and nbio.
var costPairs = []costPair{
	{row: "netman", ref: "netpoll", limit: 1.2},
	{row: "netman-onloop", ref: "netpoll", limit: 1.2},
	{row: "netman-pool", ref: "netpoll", limit: 1.2},
	{row: "netman-tls", ref: "tlsconn", limit: 1.2},
	{row: "netman-tls-pool", ref: "tlsconn", limit: 1.2},
	{row: "netman-ws", ref: "wsconn", limit: 1.2},
	{row: "netman-ws-pool", ref: "wsconn", limit: 1.2},
	{row: "netpoll", ref: "cepoll", limit: 1.1},
	{row: "netpoll", ref: "gnet", limit: 1, below: true},
	{row: "netpoll", ref: "nbio", limit: 1, below: true},
}

// costRatio is one cell of the cost table.
type costRatio struct {
	// Median is the median of the per-round ratios, Min and Max their range.
	Median, Min, Max float64
	// Rounds is how many rounds were paired.
	Rounds int
}

// pairedRatio divides row's CPU per message by ref's round by round (round
// i of one with round i of the other: the rounds alternate servers, so the
// two were measured minutes apart at most, under the same background) and
// returns the median of those ratios. It reports false when either row has
// no round with a CPU figure.
func pairedRatio(row, ref *EchoRow) (costRatio, bool) {
	n := min(len(row.Rounds), len(ref.Rounds))
	var v []float64
	for i := 0; i < n; i++ {
		a, b := row.Rounds[i].CPUPerMsg, ref.Rounds[i].CPUPerMsg
		if a > 0 && b > 0 {
			v = append(v, a/b)
		}
	}
	if len(v) == 0 {
		return costRatio{}, false
	}
	m := medianOf(v) // sorts v
	return costRatio{Median: m, Min: v[0], Max: v[len(v)-1], Rounds: len(v)}, true
}

// echoRow returns the row of server in the echo table of scenario, if both
// ran.
func (r *Report) echoRow(scenario, server string) *EchoRow {
	for _, t := range r.Echo {
		if t.Scenario != scenario {
			continue
		}
		for _, row := range t.Rows {
			if row.Server == server && len(row.Rounds) > 0 {
				return row
			}
		}
	}
	return nil
}

// writeCosts renders the cost table: every target pair of costPairs whose
// two rows ran, one column per echo scenario. It writes nothing when no
// pair ran.
func (r *Report) writeCosts(b *strings.Builder) {
	var scenarios []string
	for _, t := range r.Echo {
		if !slices.Contains(scenarios, t.Scenario) {
			scenarios = append(scenarios, t.Scenario)
		}
	}
	var lines []string
	for _, p := range costPairs {
		cells := make([]string, len(scenarios))
		ran := false
		for i, sc := range scenarios {
			row, ref := r.echoRow(sc, p.row), r.echoRow(sc, p.ref)
			if row == nil || ref == nil {
				continue
			}
			c, ok := pairedRatio(row, ref)
			if !ok {
				continue
			}
			ran = true
			cells[i] = c.cell(p)
		}
		if !ran {
			continue
		}
		limit := fmt.Sprintf("at most %.1fx", p.limit)
		if p.below {
			limit = fmt.Sprintf("under %.1fx", p.limit)
		}
		lines = append(lines, fmt.Sprintf("| %s | %s | %s |", r.label(p.row)+" ÷ "+p.ref, limit, strings.Join(cells, " | ")))
	}
	if len(lines) == 0 {
		return
	}
	b.WriteString("## Server CPU per message against the reactor and the floor\n\n")
	b.WriteString("| ratio | target | " + strings.Join(scenarios, " | ") + " |\n")
	b.WriteString("|---|---|" + strings.Repeat("--:|", len(scenarios)) + "\n")
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	b.WriteString("\nEach cell is the median, over the rounds, of the first row's server CPU per message divided by the second's in the same round (the rounds alternate servers, so a pair is measured minutes apart at most), with the lowest and highest round in brackets; a ratio past its target is in bold. The routed rows are held against the bare reactor of their protocol (netpoll, tlsconn, wsconn), the bare reactor against the C echo and the other Go reactors. p scenarios have several messages in flight per connection.\n\n")
}

// cell formats a ratio against its target.
func (c costRatio) cell(p costPair) string {
	v := fmt.Sprintf("%.2f", c.Median)
	if c.Median > p.limit || (p.below && c.Median >= p.limit) {
		v = "**" + v + "**"
	}
	if c.Rounds > 1 {
		v += fmt.Sprintf(" (%.2f–%.2f)", c.Min, c.Max)
	}
	return v
}
