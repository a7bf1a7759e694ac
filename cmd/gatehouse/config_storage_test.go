package main

import (
	"strings"
	"testing"
	"time"
)

// TestStorageConfig checks the storage driver keys from the environment:
// good values are taken, bad ones name the key, and the DSN's password
// appears in no message.
func TestStorageConfig(t *testing.T) {
	const dsn = "postgres://gh:s3cr3t-pw@db.internal:5432/gatehouse?sslmode=verify-full"
	pg := func(kv ...string) map[string]string {
		m := map[string]string{"GATEHOUSE_STORAGE_DRIVER": "postgres", "GATEHOUSE_STORAGE_POSTGRES_DSN": dsn}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    StorageConfig
		wantErr string
	}{
		{"default bolt", nil, StorageConfig{DataDir: "./gatehouse-data", Driver: "bolt", PostgresConnectTimeout: 10 * time.Second}, ""},
		{"postgres with pool", pg("GATEHOUSE_STORAGE_POSTGRES_MAX_CONNS", "20", "GATEHOUSE_STORAGE_POSTGRES_MIN_CONNS", "2",
			"GATEHOUSE_STORAGE_POSTGRES_CONNECT_TIMEOUT", "3s", "GATEHOUSE_STORAGE_POSTGRES_SCHEMA", "gatehouse"),
			StorageConfig{DataDir: "./gatehouse-data", Driver: "postgres", PostgresDSN: dsn, PostgresMaxConns: 20, PostgresMinConns: 2,
				PostgresConnectTimeout: 3 * time.Second, PostgresSchema: "gatehouse"}, ""},
		{"unknown driver", map[string]string{"GATEHOUSE_STORAGE_DRIVER": "sqlite"}, StorageConfig{}, `storage.driver (environment variable GATEHOUSE_STORAGE_DRIVER): "sqlite" is not one of bolt, postgres`},
		{"postgres without dsn", map[string]string{"GATEHOUSE_STORAGE_DRIVER": "postgres"}, StorageConfig{}, "storage.postgres_dsn: must be set with storage.driver: postgres"},
		{"dsn with bolt", map[string]string{"GATEHOUSE_STORAGE_POSTGRES_DSN": dsn}, StorageConfig{}, "storage.postgres_dsn (environment variable GATEHOUSE_STORAGE_POSTGRES_DSN): is set but storage.driver is bolt"},
		{"negative pool", pg("GATEHOUSE_STORAGE_POSTGRES_MAX_CONNS", "-1"), StorageConfig{}, "storage.postgres_max_conns (environment variable GATEHOUSE_STORAGE_POSTGRES_MAX_CONNS): -1 is not between"},
		{"min above max", pg("GATEHOUSE_STORAGE_POSTGRES_MAX_CONNS", "4", "GATEHOUSE_STORAGE_POSTGRES_MIN_CONNS", "5"), StorageConfig{}, "storage.postgres_min_conns (environment variable GATEHOUSE_STORAGE_POSTGRES_MIN_CONNS): 5 is more than storage.postgres_max_conns (4)"},
		{"pool not a number", pg("GATEHOUSE_STORAGE_POSTGRES_MAX_CONNS", "many"), StorageConfig{}, "GATEHOUSE_STORAGE_POSTGRES_MAX_CONNS"},
		{"tiny timeout", pg("GATEHOUSE_STORAGE_POSTGRES_CONNECT_TIMEOUT", "1ms"), StorageConfig{}, "storage.postgres_connect_timeout (environment variable GATEHOUSE_STORAGE_POSTGRES_CONNECT_TIMEOUT): 1ms is out of range"},
		{"quoted schema", pg("GATEHOUSE_STORAGE_POSTGRES_SCHEMA", `x"; drop`), StorageConfig{}, "storage.postgres_schema (environment variable GATEHOUSE_STORAGE_POSTGRES_SCHEMA): "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig("", mapEnv(tt.env))
			if err != nil && strings.Contains(err.Error(), "s3cr3t-pw") {
				t.Fatalf("the error shows the DSN's password: %v", err)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("loadConfig = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || cfg.Storage != tt.want {
				t.Fatalf("loadConfig = %v, storage %+v; want %+v", err, cfg.Storage, tt.want)
			}
		})
	}
}
