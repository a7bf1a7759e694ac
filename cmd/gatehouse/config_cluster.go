package main

import (
	"fmt"
	"time"
)

// ClusterConfig sets the timings of several processes sharing one
// PostgreSQL database (issue 15, docs/SCALING.md). A single process uses
// them too; the defaults suit production, and a test shortens them.
type ClusterConfig struct {
	// LeaseTTL is how long the holder of the background lease keeps it
	// without renewing it; it renews every LeaseTTL/3, so another process
	// takes over the sweeps and re-checks within LeaseTTL of a crash.
	LeaseTTL time.Duration `yaml:"lease_ttl"`
	// RefreshInterval is how often each process reloads the signing keys
	// from the database and runs the key schedule: a key added on one
	// node is in every node's JWKS within it.
	RefreshInterval time.Duration `yaml:"refresh_interval"`
}

// The cluster defaults and bounds.
const (
	defaultLeaseTTL        = 30 * time.Second
	minLeaseTTL            = time.Second
	maxLeaseTTL            = 10 * time.Minute
	defaultRefreshInterval = time.Minute
	minRefreshInterval     = time.Second
	maxRefreshInterval     = time.Hour
)

// defaultCluster returns the cluster defaults.
func defaultCluster() ClusterConfig {
	return ClusterConfig{LeaseTTL: defaultLeaseTTL, RefreshInterval: defaultRefreshInterval}
}

// clusterProblems validates the cluster section. The refresh interval may
// not exceed keys.publish_ahead: a key published by one node must reach
// every node's JWKS before it signs.
func (c Config) clusterProblems() []string {
	cc := c.Cluster
	var problems []string
	if cc.LeaseTTL < minLeaseTTL || cc.LeaseTTL > maxLeaseTTL {
		problems = append(problems, fmt.Sprintf("cluster.lease_ttl: %s is out of range; use %s to %s (the default is %s)",
			cc.LeaseTTL, minLeaseTTL, maxLeaseTTL, defaultLeaseTTL))
	}
	switch {
	case cc.RefreshInterval < minRefreshInterval || cc.RefreshInterval > maxRefreshInterval:
		problems = append(problems, fmt.Sprintf("cluster.refresh_interval: %s is out of range; use %s to %s (the default is %s)",
			cc.RefreshInterval, minRefreshInterval, maxRefreshInterval, defaultRefreshInterval))
	case cc.RefreshInterval > c.Keys.PublishAhead:
		problems = append(problems, fmt.Sprintf("cluster.refresh_interval: %s is longer than keys.publish_ahead (%s); "+
			"other nodes would not publish a new key before it signs: shorten it, or lengthen keys.publish_ahead",
			cc.RefreshInterval, c.Keys.PublishAhead))
	}
	return problems
}
