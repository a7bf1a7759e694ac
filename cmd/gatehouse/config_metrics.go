package main

import (
	"fmt"
	"strings"
)

// MetricsConfig sets where the Prometheus metrics are served (issue 13).
type MetricsConfig struct {
	// Enabled turns the metrics on.
	Enabled bool `yaml:"enabled"`
	// Listen, when set, serves /metrics on its own TCP listener
	// (host:port) instead of the public one.
	Listen string `yaml:"listen"`
}

// metricsProblems validates the metrics section. Two listeners on port 0
// (any free port, as in tests) never clash.
func (c Config) metricsProblems() []string {
	mc := c.Metrics
	if mc.Listen == "" {
		return nil
	}
	var problems []string
	if !mc.Enabled {
		problems = append(problems, fmt.Sprintf("metrics.listen: %q is set but metrics.enabled is false; set metrics.enabled: true, or leave metrics.listen empty", mc.Listen))
	}
	if _, err := checkListen(mc.Listen); err != nil {
		problems = append(problems, fmt.Sprintf("metrics.listen: %v", err))
	} else if mc.Listen == c.Server.Listen && !strings.HasSuffix(mc.Listen, ":0") {
		problems = append(problems, fmt.Sprintf("metrics.listen: %q is server.listen; leave it empty to serve /metrics on the public listener, or choose another address", mc.Listen))
	}
	return problems
}

// publicMetrics reports whether /metrics is served on the public
// listener: on, without a listener of its own.
func (mc MetricsConfig) publicMetrics() bool { return mc.Enabled && mc.Listen == "" }
