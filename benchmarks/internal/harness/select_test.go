package harness

import (
	"errors"
	"slices"
	"testing"
)

func TestSelectServers(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		want  []string
		err   error
	}{
		{"all by default", nil, ServerNames(), nil},
		{"registry order whatever the flag order", []string{"nbio", "net"}, []string{"net", "nbio"}, nil},
		{"duplicates once", []string{"gnet", "gnet"}, []string{"gnet"}, nil},
		{"unknown", []string{"net", "libuv"}, nil, ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := selectServers(tt.names)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			var names []string
			for _, s := range got {
				names = append(names, s.Name)
			}
			if !slices.Equal(names, tt.want) {
				t.Fatalf("got %v, want %v", names, tt.want)
			}
		})
	}
}

func TestSelectScenarios(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		want  []string
		err   error
	}{
		{"all but the optional ones by default", nil, DefaultScenarioNames(), nil},
		{"an optional one by name", []string{"p100-4k", "c100-512"}, []string{"c100-512", "p100-4k"}, nil},
		{"run order", []string{"idle", "c100-512"}, []string{"c100-512", "idle"}, nil},
		{"unknown", []string{"c5-1"}, nil, ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := selectScenarios(tt.names)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			var names []string
			for _, s := range got {
				names = append(names, s.Name)
			}
			if !slices.Equal(names, tt.want) {
				t.Fatalf("got %v, want %v", names, tt.want)
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Servers {
		if s.Name == "" || s.Target == "" || seen[s.Name] {
			t.Errorf("bad or duplicate entry %+v", s)
		}
		seen[s.Name] = true
	}
	// Ratios are against net, so net must be a row.
	if !seen["net"] {
		t.Error("no net row")
	}
}

func TestConfigCheck(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		ok     bool
	}{
		{"full", func(*Config) {}, true},
		{"no duration", func(c *Config) { c.Duration = 0 }, false},
		{"no rounds", func(c *Config) { c.Rounds = 0 }, false},
		{"idle over the descriptor limit", func(c *Config) { c.IdleConns = 25_000 }, false},
		{"no loops", func(c *Config) { c.Loops = 0 }, false},
		{"no output", func(c *Config) { c.OutDir = "" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewConfig(false)
			c.OutDir = t.TempDir()
			tt.change(&c)
			if err := c.check(); (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrConfig)) {
				t.Fatalf("check = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestLabels(t *testing.T) {
	tests := []struct{ got, want string }{
		{thousands(0), "0"},
		{thousands(999), "999"},
		{thousands(1000), "1,000"},
		{thousands(1234567), "1,234,567"},
		{thousands(-12345), "-12,345"},
		{bytesLabel(512), "512 B"},
		{bytesLabel(4096), "4 KiB"},
		{bytesLabel(100 << 20), "100 MiB"},
		{bytesLabel(1500), "1500 B"},
		{siLabel(950), "950"},
		{siLabel(12_000), "12k"},
		{siLabel(1_500_000), "1.5M"},
		{plain(1234.5), "1234"},
		{plain(0.25), "0.250"},
		{tickLabel(15, 5), "15"},
		{tickLabel(0.5, 0.5), "0.5"},
		{tickLabel(0.25, 0.05), "0.25"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
