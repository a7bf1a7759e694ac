package main

import (
	"strings"
	"testing"
)

func TestMetricsConfig(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(c *Config)
		wantErr    string // "" means valid
		wantPublic bool
	}{
		{"off by default", func(*Config) {}, "", false},
		{"on, on the public listener", func(c *Config) { c.Metrics.Enabled = true }, "", true},
		{"on, own listener", func(c *Config) { c.Metrics = MetricsConfig{Enabled: true, Listen: "127.0.0.1:9090"} }, "", false},
		{"listen without enabled", func(c *Config) { c.Metrics.Listen = "127.0.0.1:9090" },
			`metrics.listen: "127.0.0.1:9090" is set but metrics.enabled is false`, false},
		{"listen without port", func(c *Config) { c.Metrics = MetricsConfig{Enabled: true, Listen: "9090"} },
			`metrics.listen: "9090" is not host:port`, false},
		{"listen with bad port", func(c *Config) { c.Metrics = MetricsConfig{Enabled: true, Listen: "localhost:99999"} },
			`metrics.listen: "localhost:99999" has a bad port`, false},
		{"listen is server.listen", func(c *Config) { c.Metrics = MetricsConfig{Enabled: true, Listen: c.Server.Listen} },
			`metrics.listen: "localhost:8080" is server.listen`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultConfig()
			tt.edit(&c)
			got := strings.Join(c.Validate(), "\n")
			switch {
			case tt.wantErr == "" && got != "":
				t.Errorf("Validate() = %q, want no problem", got)
			case tt.wantErr != "" && !strings.Contains(got, tt.wantErr):
				t.Errorf("Validate() = %q, want it to contain %q", got, tt.wantErr)
			}
			if p := c.Metrics.publicMetrics(); p != tt.wantPublic {
				t.Errorf("publicMetrics() = %v, want %v", p, tt.wantPublic)
			}
		})
	}
}

// TestMetricsConfigEnv checks the environment overrides of the metrics
// section, and that a bad boolean names its variable.
func TestMetricsConfigEnv(t *testing.T) {
	cfg, err := loadConfig("", mapEnv(map[string]string{"GATEHOUSE_METRICS_ENABLED": "true", "GATEHOUSE_METRICS_LISTEN": "127.0.0.1:0"}))
	if err != nil {
		t.Fatalf("loadConfig() error = %v", err)
	}
	if cfg.Metrics != (MetricsConfig{Enabled: true, Listen: "127.0.0.1:0"}) {
		t.Errorf("Metrics = %+v, want enabled on 127.0.0.1:0", cfg.Metrics)
	}
	_, err = loadConfig("", mapEnv(map[string]string{"GATEHOUSE_METRICS_ENABLED": "sometimes"}))
	if err == nil || !strings.Contains(err.Error(), "GATEHOUSE_METRICS_ENABLED") {
		t.Errorf("loadConfig(GATEHOUSE_METRICS_ENABLED=sometimes) error = %v, want one naming the variable", err)
	}
}
