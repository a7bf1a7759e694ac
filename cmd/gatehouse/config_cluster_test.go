package main

import (
	"strings"
	"testing"
	"time"
)

// TestClusterConfig checks the cluster section from the environment: the
// defaults, good values taken, and bad ones refused with a message that
// names the key and its range.
func TestClusterConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    ClusterConfig
		wantErr string
	}{
		{"defaults", nil, ClusterConfig{LeaseTTL: 30 * time.Second, RefreshInterval: time.Minute}, ""},
		{"test timings", map[string]string{"GATEHOUSE_CLUSTER_LEASE_TTL": "2s", "GATEHOUSE_CLUSTER_REFRESH_INTERVAL": "1s"},
			ClusterConfig{LeaseTTL: 2 * time.Second, RefreshInterval: time.Second}, ""},
		{"longest", map[string]string{"GATEHOUSE_CLUSTER_LEASE_TTL": "10m", "GATEHOUSE_CLUSTER_REFRESH_INTERVAL": "1h"},
			ClusterConfig{LeaseTTL: 10 * time.Minute, RefreshInterval: time.Hour}, ""},
		{"refresh as long as publish_ahead", map[string]string{"GATEHOUSE_KEYS_PUBLISH_AHEAD": "1m"},
			ClusterConfig{LeaseTTL: 30 * time.Second, RefreshInterval: time.Minute}, ""},
		{"lease too short", map[string]string{"GATEHOUSE_CLUSTER_LEASE_TTL": "500ms"}, ClusterConfig{},
			"cluster.lease_ttl (environment variable GATEHOUSE_CLUSTER_LEASE_TTL): 500ms is out of range; use 1s to 10m0s (the default is 30s)"},
		{"lease too long", map[string]string{"GATEHOUSE_CLUSTER_LEASE_TTL": "11m"}, ClusterConfig{}, "cluster.lease_ttl (environment variable GATEHOUSE_CLUSTER_LEASE_TTL): 11m0s is out of range"},
		{"lease zero", map[string]string{"GATEHOUSE_CLUSTER_LEASE_TTL": "0s"}, ClusterConfig{}, "cluster.lease_ttl (environment variable GATEHOUSE_CLUSTER_LEASE_TTL): 0s is out of range"},
		{"lease not a duration", map[string]string{"GATEHOUSE_CLUSTER_LEASE_TTL": "soon"}, ClusterConfig{}, "GATEHOUSE_CLUSTER_LEASE_TTL"},
		{"refresh too short", map[string]string{"GATEHOUSE_CLUSTER_REFRESH_INTERVAL": "100ms"}, ClusterConfig{},
			"cluster.refresh_interval (environment variable GATEHOUSE_CLUSTER_REFRESH_INTERVAL): 100ms is out of range; use 1s to 1h0m0s (the default is 1m0s)"},
		{"refresh negative", map[string]string{"GATEHOUSE_CLUSTER_REFRESH_INTERVAL": "-1m"}, ClusterConfig{}, "cluster.refresh_interval (environment variable GATEHOUSE_CLUSTER_REFRESH_INTERVAL): -1m0s is out of range"},
		{"refresh longer than publish_ahead", map[string]string{"GATEHOUSE_CLUSTER_REFRESH_INTERVAL": "30m", "GATEHOUSE_KEYS_PUBLISH_AHEAD": "10m"}, ClusterConfig{},
			"cluster.refresh_interval (environment variable GATEHOUSE_CLUSTER_REFRESH_INTERVAL): 30m0s is longer than keys.publish_ahead (10m0s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig("", mapEnv(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("loadConfig = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || cfg.Cluster != tt.want {
				t.Fatalf("loadConfig = %v, cluster %+v; want %+v", err, cfg.Cluster, tt.want)
			}
		})
	}
}
