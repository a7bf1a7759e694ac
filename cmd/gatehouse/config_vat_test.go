package main

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/vat"
)

func TestVATConfig(t *testing.T) {
	tests := []struct {
		name    string
		change  func(c *Config)
		wantErr string // "" means valid
	}{
		{"defaults", func(c *Config) {}, ""},
		{"off", func(c *Config) { c.VAT.Mode = "off" }, ""},
		{"vies", func(c *Config) { c.VAT.Mode = "vies" }, ""},
		{"unknown mode", func(c *Config) { c.VAT.Mode = "strict" }, `vat.mode: "strict" is not one of off, syntax, vies`},
		{"empty mode", func(c *Config) { c.VAT.Mode = "" }, `vat.mode: "" is not one of`},
		{"upper-case mode", func(c *Config) { c.VAT.Mode = "VIES" }, "vat.mode:"},
		{"local http url", func(c *Config) { c.VAT.VIESURL = "http://127.0.0.1:8081/vies" }, ""},
		{"http url elsewhere", func(c *Config) { c.VAT.VIESURL = "http://vies.example.com" }, "vat.vies_url: \"http://vies.example.com\": http is only allowed for localhost"},
		{"http url in dev", func(c *Config) { c.VAT.VIESURL = "http://vies.example.com"; c.Server.Dev = true }, ""},
		{"relative url", func(c *Config) { c.VAT.VIESURL = "/vies" }, `vat.vies_url: "/vies" is not an https URL`},
		{"empty url", func(c *Config) { c.VAT.VIESURL = "" }, "vat.vies_url:"},
		{"ftp url", func(c *Config) { c.VAT.VIESURL = "ftp://vies.example.com" }, "vat.vies_url:"},
		{"url with query", func(c *Config) { c.VAT.VIESURL = "https://vies.example.com/?key=1" }, "vat.vies_url:"},
		{"zero timeout", func(c *Config) { c.VAT.Timeout = 0 }, "vat.timeout: 0s must be positive and at most 1m0s"},
		{"negative timeout", func(c *Config) { c.VAT.Timeout = -time.Second }, "vat.timeout:"},
		{"long timeout", func(c *Config) { c.VAT.Timeout = 2 * time.Minute }, "vat.timeout: 2m0s"},
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

// TestVATConfigEnv checks the defaults, the environment overrides and the
// validator they build.
func TestVATConfigEnv(t *testing.T) {
	cfg, err := loadConfig("", mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.VAT != (VATConfig{Mode: "syntax", VIESURL: vat.DefaultVIESURL, Timeout: 10 * time.Second}) {
		t.Errorf("default vat = %+v", cfg.VAT)
	}
	cfg, err = loadConfig("", mapEnv(map[string]string{"GATEHOUSE_VAT_MODE": "vies", "GATEHOUSE_VAT_VIES_URL": "https://vies.example.com/api",
		"GATEHOUSE_VAT_TIMEOUT": "3s"}))
	if err != nil {
		t.Fatal(err)
	}
	v := cfg.VAT.validator()
	if v.Mode != vat.ModeVIES || v.Client.BaseURL != "https://vies.example.com/api" || v.Client.Timeout != 3*time.Second {
		t.Errorf("validator = %+v (client %+v)", v, v.Client)
	}
	_, err = loadConfig("", mapEnv(map[string]string{"GATEHOUSE_VAT_TIMEOUT": "soon", "GATEHOUSE_VAT_MODE": "on"}))
	for _, want := range []string{"vat.timeout (environment variable GATEHOUSE_VAT_TIMEOUT):", `vat.mode (environment variable GATEHOUSE_VAT_MODE): "on"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("loadConfig with bad vat variables: %v, want %q", err, want)
		}
	}
}
