package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// mapEnv returns a getenv backed by m.
func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfig(t *testing.T) {
	valid := defaultConfig()
	valid.Server.Listen = "127.0.0.1:9000"
	valid.Server.Issuer = "https://id.example.com"
	valid.Server.BehindProxy = true
	valid.Storage.DataDir = "/var/lib/gatehouse"
	valid.Log = LogConfig{Level: "debug", Format: "json"}
	valid.Session.IdleTimeout = 30 * time.Minute
	valid.Tokens.AccessTokenLifetime = 5 * time.Minute
	valid.Password.MaxConcurrentHashes = 8

	envOverride := valid
	envOverride.Server.Listen = "localhost:7000"
	envOverride.Session.IdleTimeout = 45 * time.Minute
	envOverride.Password.Argon2Time = 3

	devIssuer := defaultConfig()
	devIssuer.Server.Issuer = "http://id.example.com"
	devIssuer.Server.Dev = true

	tests := []struct {
		name string
		file string // under testdata; "" means no --config
		env  map[string]string
		want *Config
		// wantErr lists substrings that must all appear in the error.
		wantErr []string
	}{
		{name: "no file", want: ptr(defaultConfig())},
		{name: "empty file", file: "empty.yaml", want: ptr(defaultConfig())},
		{name: "valid", file: "valid.yaml", want: &valid},
		{name: "dev allows http issuer", file: "http_issuer_dev.yaml", want: &devIssuer},
		{name: "env override good", file: "valid.yaml", env: map[string]string{
			"GATEHOUSE_SERVER_LISTEN": "localhost:7000", "GATEHOUSE_SESSION_IDLE_TIMEOUT": "45m", "GATEHOUSE_PASSWORD_ARGON2_TIME": "3",
		}, want: &envOverride},
		{name: "env override bad duration", env: map[string]string{"GATEHOUSE_SESSION_IDLE_TIMEOUT": "forever"},
			wantErr: []string{"config: session.idle_timeout (environment variable GATEHOUSE_SESSION_IDLE_TIMEOUT):", `"forever" is not a duration`}},
		{name: "env override bad bool", env: map[string]string{"GATEHOUSE_SERVER_DEV": "yes please"},
			wantErr: []string{"GATEHOUSE_SERVER_DEV", "not true or false"}},
		{name: "env override bad listen", env: map[string]string{"GATEHOUSE_SERVER_LISTEN": "8080"},
			wantErr: []string{"config: server.listen (environment variable GATEHOUSE_SERVER_LISTEN):", `"8080" is not host:port`}},
		{name: "typo key", file: "typo.yaml", wantErr: []string{"config: server.isuer: line 3: unknown key"}},
		{name: "unknown section", file: "unknown_section.yaml", wantErr: []string{"config: database: line 1: unknown section"}},
		{name: "bad duration", file: "bad_duration.yaml", wantErr: []string{"config: session.lifetime: line 2:", `"24 hours" is not a duration`}},
		{name: "bad listen", file: "bad_listen.yaml", wantErr: []string{"config: server.listen:", "not host:port"}},
		{name: "http issuer without dev", file: "http_issuer.yaml", wantErr: []string{"config: server.issuer: http is only allowed for localhost", "server.dev"}},
		{name: "https issuer without tls", file: "https_no_tls.yaml", wantErr: []string{"config: server.issuer: an https issuer needs tls.cert_file", "behind_proxy"}},
		{name: "issuer with path", file: "issuer_path.yaml", wantErr: []string{"config: server.issuer:", "must not have a path"}},
		{name: "bad types", file: "bad_type.yaml", wantErr: []string{
			"config: server.dev: line 2:", "config: server.listen: line 4: must be a single value", "config: password.argon2_memory_kib: line 7:",
		}},
		{name: "many problems reported at once", file: "many_problems.yaml", wantErr: []string{
			"config: server.listen:", "config: log.level:", "config: log.format:", "config: session.idle_timeout:",
			"config: tokens.auth_code_lifetime:", "config: password.argon2_threads:",
		}},
		{name: "missing file", file: "does-not-exist.yaml", wantErr: []string{"config: --config", "does-not-exist.yaml: file does not exist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var path string
			if tt.file != "" {
				path = filepath.Join("testdata", tt.file)
			}
			got, err := loadConfig(path, mapEnv(tt.env))
			if len(tt.wantErr) > 0 {
				var ce *ConfigError
				if !errors.As(err, &ce) {
					t.Fatalf("loadConfig(%q) err = %v, want a *ConfigError", path, err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("loadConfig(%q) err =\n%v\nwant it to contain %q", path, err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("loadConfig(%q) err = %v, want nil", path, err)
			}
			if !reflect.DeepEqual(got, *tt.want) {
				t.Errorf("loadConfig(%q) =\n%+v\nwant\n%+v", path, got, *tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(c *Config)
		wantErr string // "" means valid
	}{
		{"defaults", func(c *Config) {}, ""},
		{"loopback ip listen", func(c *Config) { c.Server.Listen = "127.0.0.1:0" }, ""},
		{"all interfaces needs issuer", func(c *Config) { c.Server.Listen = ":8080" }, "server.issuer: required when server.listen"},
		{"all interfaces with issuer", func(c *Config) {
			c.Server.Listen = ":8080"
			c.Server.Issuer = "https://id.example.com"
			c.Server.BehindProxy = true
		}, ""},
		{"https with tls", func(c *Config) {
			c.Server.Issuer = "https://id.example.com"
			c.TLS = TLSConfig{CertFile: "c.pem", KeyFile: "k.pem"}
		}, ""},
		{"http issuer with tls", func(c *Config) {
			c.Server.Issuer = "http://localhost:8080"
			c.TLS = TLSConfig{CertFile: "c.pem", KeyFile: "k.pem"}
		}, "server.issuer: must use https when tls"},
		{"cert without key", func(c *Config) { c.TLS.CertFile = "c.pem" }, "tls: set both"},
		{"localhost http issuer", func(c *Config) { c.Server.Issuer = "http://localhost:8080" }, ""},
		{"loopback ip issuer", func(c *Config) { c.Server.Issuer = "http://127.0.0.1:8080" }, ""},
		{"trailing slash", func(c *Config) { c.Server.Issuer = "http://localhost:8080/" }, "must not have a path"},
		{"issuer query", func(c *Config) { c.Server.Issuer = "http://localhost:8080?x=1" }, "must not have a user, query or fragment"},
		{"issuer scheme", func(c *Config) { c.Server.Issuer = "ftp://localhost" }, "must start with https://"},
		{"default language", func(c *Config) { c.Server.DefaultLanguage = "de-CH" }, ""},
		{"unknown default language", func(c *Config) { c.Server.DefaultLanguage = "nb" }, `server.default_language: "nb" is not one of en, de, fr`},
		{"malformed default language", func(c *Config) { c.Server.DefaultLanguage = "not a tag" }, `server.default_language: "not a tag" is not one of`},
		{"empty data dir", func(c *Config) { c.Storage.DataDir = " " }, "storage.data_dir: must not be empty"},
		{"good key", func(c *Config) { c.Secrets.Key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }, ""},
		{"short key", func(c *Config) { c.Secrets.Key = "AAAA" }, "secrets.key: must be 32 random bytes"},
		{"bad port", func(c *Config) { c.Server.Listen = "localhost:99999" }, "server.listen:"},
		{"zero access lifetime", func(c *Config) { c.Tokens.AccessTokenLifetime = 0 }, "tokens.access_token_lifetime: must be positive"},
		{"refresh beyond absolute", func(c *Config) { c.Tokens.RefreshTokenLifetime = 3000 * time.Hour }, "tokens.refresh_token_lifetime:"},
		{"tiny memory", func(c *Config) { c.Password.Argon2MemoryKiB = 1 }, "password: argon2_memory_kib"},
		{"negative hashing slots", func(c *Config) { c.Password.MaxConcurrentHashes = -1 }, "password.max_concurrent_hashes"},
		{"too many hashing slots", func(c *Config) { c.Password.MaxConcurrentHashes = 1025 }, "password.max_concurrent_hashes"},
		{"authorize limit off", func(c *Config) { c.Limits.AuthorizePerMinute = 0 }, ""},
		{"negative authorize limit", func(c *Config) { c.Limits.AuthorizePerMinute = -1 }, "limits.authorize_per_minute: -1 is not between 0 (off) and 100000"},
		{"failure limit off", func(c *Config) { c.Limits.FailuresBurst, c.Limits.FailuresPerMinute = 0, 0 }, ""},
		{"failure burst without refill", func(c *Config) { c.Limits.FailuresPerMinute = 0 }, "limits.failures_burst and limits.failures_per_minute: set both"},
		{"failure refill without burst", func(c *Config) { c.Limits.FailuresBurst = 0 }, "limits.failures_burst and limits.failures_per_minute: set both"},
		{"branding", func(c *Config) {
			c.Branding = BrandingConfig{ProductName: "Acme ID", LogoURL: "https://cdn.example.com/logo.svg",
				PrimaryColor: "#7A1F5C", SupportEmail: "help@example.com", SupportURL: "https://example.com/help"}
		}, ""},
		{"logo file", func(c *Config) { c.Branding.LogoFile = "/etc/gatehouse/logo.SVG" }, ""},
		{"logo url and file", func(c *Config) {
			c.Branding.LogoURL, c.Branding.LogoFile = "https://cdn.example.com/logo.svg", "logo.svg"
		}, "branding.logo_url, branding.logo_file: set one of them, not both"},
		{"logo file type", func(c *Config) { c.Branding.LogoFile = "logo.html" }, `branding.logo_file: "logo.html" must be a .png, .svg, .jpg, .jpeg, .webp or .gif file`},
		{"empty product name", func(c *Config) { c.Branding.ProductName = " " }, "branding.product_name:"},
		{"product name with line break", func(c *Config) { c.Branding.ProductName = "Acme\nID" }, "branding.product_name:"},
		{"long product name", func(c *Config) { c.Branding.ProductName = strings.Repeat("x", 61) }, "branding.product_name:"},
		{"http logo", func(c *Config) { c.Branding.LogoURL = "http://cdn.example.com/logo.svg" }, `branding.logo_url: "http://cdn.example.com/logo.svg" is not an https URL`},
		{"relative logo", func(c *Config) { c.Branding.LogoURL = "/logo.svg" }, "branding.logo_url:"},
		{"colour name", func(c *Config) { c.Branding.PrimaryColor = "red" }, `branding.primary_color: "red" is not a colour written as #rrggbb`},
		{"short colour", func(c *Config) { c.Branding.PrimaryColor = "#abc" }, "branding.primary_color:"},
		{"pale colour", func(c *Config) { c.Branding.PrimaryColor = "#ffdd00" }, "branding.primary_color: #ffdd00 has a contrast of"},
		{"support name and address", func(c *Config) { c.Branding.SupportEmail = "Help <help@example.com>" }, "branding.support_email:"},
		{"support not an address", func(c *Config) { c.Branding.SupportEmail = "help" }, "branding.support_email:"},
		{"support javascript url", func(c *Config) { c.Branding.SupportURL = "javascript:alert(1)" }, "branding.support_url:"},
		{"negative address sends", func(c *Config) { c.Limits.RegistrationCodesPerAddressPerHour = -5 }, "limits.registration_codes_per_address_per_hour: -5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultConfig()
			tt.change(&c)
			problems := c.Validate()
			got := strings.Join(problems, "\n")
			if tt.wantErr == "" {
				if len(problems) > 0 {
					t.Fatalf("Validate() = %q, want no problems", got)
				}
				return
			}
			if !strings.Contains(got, tt.wantErr) {
				t.Fatalf("Validate() = %q, want a problem containing %q", got, tt.wantErr)
			}
		})
	}
}

// TestConfigExample keeps config.example.yaml in step with Config: it must
// parse, equal the defaults, and document every key with a comment.
func TestConfigExample(t *testing.T) {
	path := filepath.Join("..", "..", "config.example.yaml")
	got, err := loadConfig(path, mapEnv(nil))
	if err != nil {
		t.Fatalf("loadConfig(%s) = %v", path, err)
	}
	if want := defaultConfig(); !reflect.DeepEqual(got, want) {
		t.Errorf("config.example.yaml =\n%+v\nwant the defaults\n%+v", got, want)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{} // key -> has a comment
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		section, body := root.Content[i].Value, root.Content[i+1]
		for j := 0; j+1 < len(body.Content); j += 2 {
			k := body.Content[j]
			documented[section+"."+k.Value] = k.HeadComment != "" || k.LineComment != "" || body.Content[j+1].LineComment != ""
		}
	}
	var cfg Config
	for _, l := range leaves(&cfg) {
		hasComment, ok := documented[l.key]
		switch {
		case !ok:
			t.Errorf("config.example.yaml does not document %s", l.key)
		case !hasComment:
			t.Errorf("config.example.yaml has no comment for %s", l.key)
		}
		delete(documented, l.key)
	}
	for k := range documented {
		t.Errorf("config.example.yaml documents %s, which Config does not have", k)
	}
}

// TestEnvNames checks the environment variable naming scheme.
func TestEnvNames(t *testing.T) {
	var cfg Config
	names := map[string]bool{}
	for _, l := range leaves(&cfg) {
		names[l.env] = true
	}
	for _, want := range []string{"GATEHOUSE_SERVER_LISTEN", "GATEHOUSE_SESSION_IDLE_TIMEOUT", "GATEHOUSE_TLS_CERT_FILE",
		"GATEHOUSE_TOKENS_REFRESH_TOKEN_ABSOLUTE_LIFETIME", "GATEHOUSE_PASSWORD_ARGON2_MEMORY_KIB", "GATEHOUSE_STORAGE_DATA_DIR"} {
		if !names[want] {
			t.Errorf("no environment override named %s", want)
		}
	}
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// TestLoggerBoundsValues checks that the server's logger, in both formats,
// cuts long values and drops control characters, so that a crafted state
// or login_hint cannot forge log lines or flood the log.
func TestLoggerBoundsValues(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var buf strings.Builder
			logger, err := newLogger(LogConfig{Level: "info", Format: format}, &buf)
			if err != nil {
				t.Fatal(err)
			}
			logger.Info("prompt=none without a usable session", "state", strings.Repeat("s", 5000), "login_hint", "eve\nlevel=ERROR msg=forged")
			out := buf.String()
			if strings.Count(out, "\n") != 1 || strings.Contains(out, "\nlevel=ERROR") {
				t.Errorf("log output has a forged line:\n%s", out)
			}
			if strings.Contains(out, strings.Repeat("s", 300)) || len(out) > 1000 {
				t.Errorf("log output of %d bytes keeps the 5000-byte state", len(out))
			}
		})
	}
}

func TestMaxHashes(t *testing.T) {
	for _, tt := range []struct{ set, want int }{{0, runtime.GOMAXPROCS(0)}, {3, 3}, {1, 1}} {
		c := defaultConfig()
		c.Password.MaxConcurrentHashes = tt.set
		if got := c.maxHashes(); got != tt.want {
			t.Errorf("max_concurrent_hashes %d: maxHashes() = %d, want %d", tt.set, got, tt.want)
		}
	}
}
