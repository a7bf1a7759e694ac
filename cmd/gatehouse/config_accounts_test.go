package main

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
)

func TestAccountsConfig(t *testing.T) {
	tests := []struct {
		name    string
		change  func(c *Config)
		wantErr string // "" means valid
	}{
		{"defaults", func(c *Config) {}, ""},
		{"users create top level", func(c *Config) { c.Accounts.UsersMayCreateTopLevel = true }, ""},
		{"one-day invitations", func(c *Config) { c.Accounts.InvitationTTL = 24 * time.Hour }, ""},
		{"zero invitation ttl", func(c *Config) { c.Accounts.InvitationTTL = 0 }, "accounts.invitation_ttl: 0s must be between 1h0m0s and 720h0m0s"},
		{"minute invitation ttl", func(c *Config) { c.Accounts.InvitationTTL = time.Minute }, "accounts.invitation_ttl:"},
		{"long invitation ttl", func(c *Config) { c.Accounts.InvitationTTL = 31 * 24 * time.Hour }, "accounts.invitation_ttl:"},
		{"negative step-up", func(c *Config) { c.Accounts.StepUpMaxAge = -time.Second }, "accounts.step_up_max_age: -1s must be between 30s and 1h0m0s"},
		{"day-old step-up", func(c *Config) { c.Accounts.StepUpMaxAge = 24 * time.Hour }, "accounts.step_up_max_age:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultConfig()
			tt.change(&c)
			got := strings.Join(c.Validate(), "\n")
			if tt.wantErr == "" && got != "" || !strings.Contains(got, tt.wantErr) {
				t.Errorf("Validate() = %q, want %q", got, tt.wantErr)
			}
		})
	}
}

// TestAccountsConfigEnv checks the defaults, the environment overrides and
// the iam rules they build.
func TestAccountsConfigEnv(t *testing.T) {
	cfg, err := loadConfig("", mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Accounts.iamConfig() != (iam.AccountConfig{InvitationTTL: iam.DefaultInvitationTTL, StepUpMaxAge: iam.DefaultStepUpMaxAge}) {
		t.Errorf("default accounts = %+v", cfg.Accounts)
	}
	cfg, err = loadConfig("", mapEnv(map[string]string{"GATEHOUSE_ACCOUNTS_USERS_MAY_CREATE_TOP_LEVEL": "true",
		"GATEHOUSE_ACCOUNTS_INVITATION_TTL": "48h", "GATEHOUSE_ACCOUNTS_STEP_UP_MAX_AGE": "2m"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Accounts.iamConfig(); got != (iam.AccountConfig{UsersMayCreateTopLevel: true, InvitationTTL: 48 * time.Hour, StepUpMaxAge: 2 * time.Minute}) {
		t.Errorf("accounts from the environment = %+v", got)
	}
	_, err = loadConfig("", mapEnv(map[string]string{"GATEHOUSE_ACCOUNTS_USERS_MAY_CREATE_TOP_LEVEL": "maybe"}))
	if want := "accounts.users_may_create_top_level (environment variable GATEHOUSE_ACCOUNTS_USERS_MAY_CREATE_TOP_LEVEL):"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("loadConfig with a bad boolean: %v, want %q", err, want)
	}
}
