package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"

	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/passkey"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/secret"
)

// envPrefix starts every environment override: GATEHOUSE_<SECTION>_<KEY>.
const envPrefix = "GATEHOUSE_"

// Config is the whole configuration of the gatehouse binary. Every leaf
// field has a yaml key "<section>.<key>", an environment override
// GATEHOUSE_<SECTION>_<KEY> and a documented default in
// config.example.yaml (a test keeps the three in step).
type Config struct {
	Server  ServerConfig  `yaml:"server"`
	TLS     TLSConfig     `yaml:"tls"`
	Storage StorageConfig `yaml:"storage"`
	Secrets SecretsConfig `yaml:"secrets"`
	Log     LogConfig     `yaml:"log"`
	Session SessionConfig `yaml:"session"`
	Tokens  TokensConfig  `yaml:"tokens"`
	// Keys is in config_keys.go.
	Keys     KeysConfig     `yaml:"keys"`
	Password PasswordConfig `yaml:"password"`
	MFA      MFAConfig      `yaml:"mfa"`
	Mail     MailConfig     `yaml:"mail"`
	SMS      SMSConfig      `yaml:"sms"`
	WebAuthn WebAuthnConfig `yaml:"webauthn"`
	// Limits and Registration are in selfservice.go.
	Limits       LimitsConfig       `yaml:"limits"`
	Registration RegistrationConfig `yaml:"registration"`
	// Branding is in config_branding.go.
	Branding BrandingConfig `yaml:"branding"`
	// VAT is in config_vat.go.
	VAT VATConfig `yaml:"vat"`
	// Accounts is in config_accounts.go.
	Accounts AccountsConfig `yaml:"accounts"`
	// Metrics is in config_metrics.go.
	Metrics MetricsConfig `yaml:"metrics"`
	// Audit is in config_audit.go.
	Audit AuditConfig `yaml:"audit"`
	// Cluster is in config_cluster.go.
	Cluster ClusterConfig `yaml:"cluster"`
}

// WebAuthnConfig names the WebAuthn relying party (security keys and
// passkeys). Empty values are derived from server.issuer.
type WebAuthnConfig struct {
	// RPID is the relying party ID: the issuer's host name by default. It
	// may be a registrable parent domain of it, never an IP address.
	RPID string `yaml:"rp_id"`
	// Origins are the comma-separated origins browsers may report
	// ("https://id.example.com"); the issuer's origin by default.
	Origins string `yaml:"origins"`
	// RPDisplayName is the name authenticators show; "Gatehouse" by
	// default.
	RPDisplayName string `yaml:"rp_display_name"`
}

// passkeyConfig returns the WebAuthn relying party for the issuer: the
// configured values, each derived from the issuer when empty.
func (c WebAuthnConfig) passkeyConfig(issuer string) passkey.Config {
	pc := passkey.ConfigFromIssuer(issuer)
	if c.RPID != "" {
		pc.RPID = strings.ToLower(strings.TrimSpace(c.RPID))
	}
	if c.Origins != "" {
		pc.Origins = nil
		for _, o := range strings.Split(c.Origins, ",") {
			if o = strings.TrimSpace(o); o != "" {
				pc.Origins = append(pc.Origins, strings.TrimSuffix(o, "/"))
			}
		}
	}
	if c.RPDisplayName != "" {
		pc.RPDisplayName = c.RPDisplayName
	}
	return pc
}

// MFAConfig holds the second-factor rules (REQUIREMENTS.md section 3).
type MFAConfig struct {
	// TOTPIssuer is the name authenticator apps show.
	TOTPIssuer string `yaml:"totp_issuer"`
	// CodeLifetime is how long an e-mail or SMS code is valid.
	CodeLifetime time.Duration `yaml:"code_lifetime"`
	// CodeMaxFailures wrong tries void a code.
	CodeMaxFailures int `yaml:"code_max_failures"`
	// CodeResendAfter is the wait before another code can be sent.
	CodeResendAfter time.Duration `yaml:"code_resend_after"`
	// CodeMaxSends codes at most are sent per CodeSendWindow and user.
	CodeMaxSends   int           `yaml:"code_max_sends"`
	CodeSendWindow time.Duration `yaml:"code_send_window"`
	// TrustedDevices offers "Don't ask again on this device".
	TrustedDevices bool `yaml:"trusted_devices"`
	// TrustedDeviceLifetime is how long a trusted device skips the code.
	TrustedDeviceLifetime time.Duration `yaml:"trusted_device_lifetime"`
}

// MailConfig selects how e-mail is delivered.
type MailConfig struct {
	// Transport is "outbox" (development: files and the console) or "smtp".
	Transport string `yaml:"transport"`
	// From is the sender, "Name <address>" or an address.
	From string `yaml:"from"`
	// SMTP server settings, used with transport smtp.
	SMTPHost     string `yaml:"smtp_host"`
	SMTPPort     int    `yaml:"smtp_port"`
	SMTPUsername string `yaml:"smtp_username"`
	SMTPPassword string `yaml:"smtp_password"`
	// SMTPTLS is "starttls", "tls" (implicit, port 465) or "none".
	SMTPTLS                string        `yaml:"smtp_tls"`
	SMTPInsecureSkipVerify bool          `yaml:"smtp_insecure_skip_verify"`
	SMTPHelloName          string        `yaml:"smtp_hello_name"`
	SMTPTimeout            time.Duration `yaml:"smtp_timeout"`
}

// SMSConfig selects how text messages are delivered.
type SMSConfig struct {
	// Transport is "outbox" (development), "twilio", "webhook" or "off".
	Transport string `yaml:"transport"`
	// Twilio-compatible REST API settings.
	TwilioAccountSID string `yaml:"twilio_account_sid"`
	TwilioAuthToken  string `yaml:"twilio_auth_token"`
	TwilioFrom       string `yaml:"twilio_from"`
	TwilioBaseURL    string `yaml:"twilio_base_url"`
	// Generic webhook: a JSON POST signed with HMAC-SHA256 over the body.
	WebhookURL    string `yaml:"webhook_url"`
	WebhookSecret string `yaml:"webhook_secret"`
}

// ServerConfig is where and as what the server listens.
type ServerConfig struct {
	// Listen is the TCP address, host:port.
	Listen string `yaml:"listen"`
	// Issuer is the public URL; empty means http(s)://localhost:<port>.
	Issuer string `yaml:"issuer"`
	// Dev allows an http issuer and http redirect URIs on any host.
	Dev bool `yaml:"dev"`
	// BehindProxy allows an https issuer without TLS files, when a
	// reverse proxy terminates TLS.
	BehindProxy bool `yaml:"behind_proxy"`
	// TrustedProxies are the comma-separated CIDRs of reverse proxies
	// whose X-Forwarded-For gives the client IP for the rate limits.
	TrustedProxies string `yaml:"trusted_proxies"`
	// DefaultLanguage is the BCP 47 language of the hosted pages when
	// neither ui_locales, the user's saved locale nor Accept-Language
	// names a supported one; one of the twelve of package i18n.
	DefaultLanguage string `yaml:"default_language"`
	// ShutdownTimeout is how long a stopping server (SIGTERM, SIGINT)
	// waits for the requests in flight before it closes the connections.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// TLSConfig names the certificate and key files; both or neither.
type TLSConfig struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// StorageConfig is where the data lives.
type StorageConfig struct {
	// DataDir holds gatehouse.db (with the bolt driver), secret.key and
	// admin.sock.
	DataDir string `yaml:"data_dir"`
	// Driver is the backend: bolt (the embedded file, one process) or
	// postgres (several processes on one PostgreSQL database).
	Driver string `yaml:"driver"`
	// PostgresDSN is the connection string of the postgres driver. It is
	// a secret: it is never logged or printed.
	PostgresDSN string `yaml:"postgres_dsn"`
	// PostgresMaxConns and PostgresMinConns bound the connection pool;
	// zero keeps the driver's default (the larger of 4 and the cores).
	PostgresMaxConns int `yaml:"postgres_max_conns"`
	PostgresMinConns int `yaml:"postgres_min_conns"`
	// PostgresConnectTimeout bounds each new connection.
	PostgresConnectTimeout time.Duration `yaml:"postgres_connect_timeout"`
	// PostgresSchema is the PostgreSQL schema of the tables; empty keeps
	// the DSN's search_path.
	PostgresSchema string `yaml:"postgres_schema"`
}

// SecretsConfig holds the sealing key.
type SecretsConfig struct {
	// Key is a base64 32-byte key; empty means <data_dir>/secret.key,
	// generated on first start.
	Key string `yaml:"key"`
}

// LogConfig selects the log level and format.
type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// SessionConfig bounds SSO sessions.
type SessionConfig struct {
	Lifetime    time.Duration `yaml:"lifetime"`
	IdleTimeout time.Duration `yaml:"idle_timeout"`
}

// TokensConfig holds token and request lifetimes.
type TokensConfig struct {
	AccessTokenLifetime          time.Duration `yaml:"access_token_lifetime"`
	IDTokenLifetime              time.Duration `yaml:"id_token_lifetime"`
	RefreshTokenLifetime         time.Duration `yaml:"refresh_token_lifetime"`
	RefreshTokenAbsoluteLifetime time.Duration `yaml:"refresh_token_absolute_lifetime"`
	AuthCodeLifetime             time.Duration `yaml:"auth_code_lifetime"`
	AuthRequestLifetime          time.Duration `yaml:"auth_request_lifetime"`
}

// PasswordConfig holds the argon2id cost and the hashing concurrency.
type PasswordConfig struct {
	Argon2MemoryKiB     uint32 `yaml:"argon2_memory_kib"`
	Argon2Time          uint32 `yaml:"argon2_time"`
	Argon2Threads       uint8  `yaml:"argon2_threads"`
	MaxConcurrentHashes int    `yaml:"max_concurrent_hashes"`
}

// defaultConfig returns the configuration used when nothing is set.
func defaultConfig() Config {
	p := password.DefaultParams()
	return Config{
		Server:  ServerConfig{Listen: "localhost:8080", DefaultLanguage: "en", ShutdownTimeout: 10 * time.Second},
		Storage: StorageConfig{DataDir: "./gatehouse-data", Driver: driverBolt, PostgresConnectTimeout: 10 * time.Second},
		Log:     LogConfig{Level: "info", Format: "text"},
		Session: SessionConfig{Lifetime: 24 * time.Hour, IdleTimeout: time.Hour},
		Tokens: TokensConfig{
			AccessTokenLifetime:          15 * time.Minute,
			IDTokenLifetime:              time.Hour,
			RefreshTokenLifetime:         720 * time.Hour,
			RefreshTokenAbsoluteLifetime: 2160 * time.Hour,
			AuthCodeLifetime:             60 * time.Second,
			AuthRequestLifetime:          30 * time.Minute,
		},
		Password: PasswordConfig{
			Argon2MemoryKiB:     p.MemoryKiB,
			Argon2Time:          p.Time,
			Argon2Threads:       p.Threads,
			MaxConcurrentHashes: 0,
		},
		MFA: MFAConfig{
			TOTPIssuer:            "Gatehouse",
			CodeLifetime:          10 * time.Minute,
			CodeMaxFailures:       5,
			CodeResendAfter:       30 * time.Second,
			CodeMaxSends:          5,
			CodeSendWindow:        15 * time.Minute,
			TrustedDeviceLifetime: 30 * 24 * time.Hour,
		},
		Mail:         MailConfig{Transport: "outbox", From: "Gatehouse <no-reply@localhost>", SMTPTLS: "starttls", SMTPTimeout: 10 * time.Second},
		SMS:          SMSConfig{Transport: "outbox", TwilioBaseURL: "https://api.twilio.com"},
		Limits:       defaultLimits(),
		Registration: RegistrationConfig{Enabled: true},
		Branding:     BrandingConfig{ProductName: "Gatehouse"},
		VAT:          defaultVAT(),
		Keys:         defaultKeys(),
		Accounts:     defaultAccounts(),
		Audit:        AuditConfig{Retention: defaultAuditRetention},
		Cluster:      defaultCluster(),
	}
}

// maxHashes returns how many password hashes may be computed at once:
// password.max_concurrent_hashes, or one per core when it is 0. More than
// the cores gains no throughput, only memory and latency.
func (c Config) maxHashes() int {
	if n := c.Password.MaxConcurrentHashes; n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// PasswordParams returns the argon2id parameters.
func (c Config) PasswordParams() password.Params {
	return password.Params{MemoryKiB: c.Password.Argon2MemoryKiB, Time: c.Password.Argon2Time, Threads: c.Password.Argon2Threads}
}

// ConfigError lists every problem found in a configuration.
type ConfigError struct {
	// Problems are "key: what is wrong" lines.
	Problems []string
}

// Error returns one "config: key: problem" line per problem.
func (e *ConfigError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = "config: " + p
	}
	return strings.Join(lines, "\n")
}

// loadConfig returns the defaults, overlaid with the YAML file at path
// (none when path is ""), then with GATEHOUSE_* variables from getenv, and
// validated. Every problem is reported in one *ConfigError.
func loadConfig(path string, getenv func(string) string) (Config, error) {
	cfg := defaultConfig()
	var problems []string
	if path != "" {
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return Config{}, &ConfigError{Problems: []string{fmt.Sprintf("--config %s: file does not exist", path)}}
		}
		if err != nil {
			return Config{}, &ConfigError{Problems: []string{fmt.Sprintf("--config %s: %v", path, err)}}
		}
		problems = append(problems, decodeYAML(data, &cfg)...)
	}
	envProblems, fromEnv := applyEnv(&cfg, getenv)
	problems = append(problems, envProblems...)
	for _, p := range cfg.Validate() {
		problems = append(problems, nameEnv(p, fromEnv))
	}
	if len(problems) > 0 {
		return Config{}, &ConfigError{Problems: problems}
	}
	return cfg, nil
}

// leaf is one settable key of Config.
type leaf struct {
	key   string // "section.key"
	env   string // GATEHOUSE_SECTION_KEY
	value reflect.Value
}

// leaves returns every key of *cfg in declaration order.
func leaves(cfg *Config) []leaf {
	var out []leaf
	root := reflect.ValueOf(cfg).Elem()
	for i := range root.NumField() {
		section := root.Type().Field(i).Tag.Get("yaml")
		sv := root.Field(i)
		for j := range sv.NumField() {
			key := sv.Type().Field(j).Tag.Get("yaml")
			out = append(out, leaf{
				key:   section + "." + key,
				env:   envPrefix + strings.ToUpper(section+"_"+key),
				value: sv.Field(j),
			})
		}
	}
	return out
}

// decodeYAML overlays data onto cfg and returns a problem for every unknown
// key, duplicate key or bad value, naming the key and its line. It walks
// the yaml.Node tree itself (rather than yaml.Decoder.KnownFields) so that
// every message names the dotted key and all problems are reported at once.
func decodeYAML(data []byte, cfg *Config) []string {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty file: defaults
		}
		return []string{fmt.Sprintf("not valid YAML: %v", err)}
	}
	if len(doc.Content) == 0 {
		return nil
	}
	byKey := map[string]leaf{}
	for _, l := range leaves(cfg) {
		byKey[l.key] = l
	}
	var problems []string
	root := doc.Content[0]
	if isNull(root) {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return []string{fmt.Sprintf("line %d: the file must be a mapping of sections (server:, storage:, …)", root.Line)}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		section := k.Value
		if seen[section] {
			problems = append(problems, fmt.Sprintf("%s: line %d: section appears twice", section, k.Line))
			continue
		}
		seen[section] = true
		if !hasSection(byKey, section) {
			problems = append(problems, fmt.Sprintf("%s: line %d: unknown section", section, k.Line))
			continue
		}
		if isNull(v) {
			continue
		}
		if v.Kind != yaml.MappingNode {
			problems = append(problems, fmt.Sprintf("%s: line %d: must be a mapping of keys", section, v.Line))
			continue
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			kk, vv := v.Content[j], v.Content[j+1]
			key := section + "." + kk.Value
			if seen[key] {
				problems = append(problems, fmt.Sprintf("%s: line %d: key appears twice", key, kk.Line))
				continue
			}
			seen[key] = true
			l, ok := byKey[key]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: line %d: unknown key", key, kk.Line))
				continue
			}
			if vv.Kind != yaml.ScalarNode {
				problems = append(problems, fmt.Sprintf("%s: line %d: must be a single value", key, vv.Line))
				continue
			}
			s := vv.Value
			if isNull(vv) {
				s = ""
			}
			if err := setValue(l.value, s); err != nil {
				problems = append(problems, fmt.Sprintf("%s: line %d: %v", key, vv.Line, err))
			}
		}
	}
	return problems
}

// hasSection reports whether any key starts with section + ".".
func hasSection(byKey map[string]leaf, section string) bool {
	for k := range byKey {
		if strings.HasPrefix(k, section+".") {
			return true
		}
	}
	return false
}

// isNull reports whether n is an empty or null YAML value.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// applyEnv overlays every non-empty GATEHOUSE_<SECTION>_<KEY> variable. It
// returns a problem, naming the variable, for each value that does not
// parse, and the variables it applied by key.
func applyEnv(cfg *Config, getenv func(string) string) (problems []string, fromEnv map[string]string) {
	fromEnv = map[string]string{}
	for _, l := range leaves(cfg) {
		s := getenv(l.env)
		if s == "" {
			continue
		}
		fromEnv[l.key] = l.env
		if err := setValue(l.value, s); err != nil {
			problems = append(problems, fmt.Sprintf("%s (environment variable %s): %v", l.key, l.env, err))
		}
	}
	return problems, fromEnv
}

// nameEnv adds the environment variable to a "key: problem" line when the
// key's value came from the environment.
func nameEnv(problem string, fromEnv map[string]string) string {
	key, rest, ok := strings.Cut(problem, ": ")
	if env, set := fromEnv[key]; ok && set {
		return fmt.Sprintf("%s (environment variable %s): %s", key, env, rest)
	}
	return problem
}

// setValue parses s into v, the same way for YAML and environment values.
func setValue(v reflect.Value, s string) error {
	s = strings.TrimSpace(s)
	if v.Type() == reflect.TypeFor[time.Duration]() {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration; write it like 90s, 15m or 24h", s)
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		v.SetBool(b)
	case reflect.Uint8, reflect.Uint32:
		n, err := strconv.ParseUint(s, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("%q is not a whole number from 0 to %d", s, uint64(1)<<v.Type().Bits()-1)
		}
		v.SetUint(n)
	case reflect.Int:
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		v.SetInt(n)
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}

// Validate checks the configuration and returns one "key: problem" line
// for every problem it finds (Dex's table of checks), or nil.
func (c Config) Validate() []string {
	listenHost, listenErr := checkListen(c.Server.Listen)
	issuer, issuerErr := url.Parse(c.Server.Issuer)
	hasTLS := c.TLS.CertFile != "" || c.TLS.KeyFile != ""
	checks := []struct {
		bad bool
		msg string
	}{
		{listenErr != nil, fmt.Sprintf("server.listen: %v", listenErr)},
		{c.Server.Issuer == "" && listenErr == nil && !iam.IsLoopbackHost(listenHost) && !c.Server.Dev,
			fmt.Sprintf("server.issuer: required when server.listen (%q) is not a loopback address; set the public URL, like https://id.example.com", c.Server.Listen)},
		{c.Server.Issuer != "" && issuerErr != nil, fmt.Sprintf("server.issuer: %q is not a URL", c.Server.Issuer)},
		{c.Server.ShutdownTimeout < time.Second || c.Server.ShutdownTimeout > 10*time.Minute,
			fmt.Sprintf("server.shutdown_timeout: %s is out of range; use 1s to 10m", c.Server.ShutdownTimeout)},
		{c.Server.Issuer != "" && issuerErr == nil && issuerProblem(issuer) != "", "server.issuer: " + issuerProblem(issuer)},
		{issuerErr == nil && issuer.Scheme == "http" && !iam.IsLoopbackHost(issuer.Hostname()) && !c.Server.Dev,
			fmt.Sprintf("server.issuer: http is only allowed for localhost (got %q); use https, or set server.dev: true for a test set-up", c.Server.Issuer)},
		{issuerErr == nil && issuer.Scheme == "https" && !hasTLS && !c.Server.BehindProxy,
			"server.issuer: an https issuer needs tls.cert_file and tls.key_file, or server.behind_proxy: true when a reverse proxy terminates TLS"},
		{issuerErr == nil && issuer.Scheme == "http" && hasTLS,
			"server.issuer: must use https when tls.cert_file and tls.key_file are set"},
		{(c.TLS.CertFile == "") != (c.TLS.KeyFile == ""), "tls: set both tls.cert_file and tls.key_file, or neither"},
		{!validLanguage(c.Server.DefaultLanguage), fmt.Sprintf("server.default_language: %q is not one of %s",
			c.Server.DefaultLanguage, strings.Join(i18n.SupportedStrings(), ", "))},
		{strings.TrimSpace(c.Storage.DataDir) == "", "storage.data_dir: must not be empty"},
		{c.Secrets.Key != "" && parseKeyErr(c.Secrets.Key) != nil,
			"secrets.key: must be 32 random bytes in base64 (generate one with: openssl rand -base64 32)"},
		{!oneOf(c.Log.Level, "debug", "info", "warn", "error"), fmt.Sprintf("log.level: %q is not one of debug, info, warn, error", c.Log.Level)},
		{!oneOf(c.Log.Format, "text", "json"), fmt.Sprintf("log.format: %q is not one of text, json", c.Log.Format)},
		{c.Session.Lifetime <= 0, "session.lifetime: must be positive"},
		{c.Session.IdleTimeout <= 0, "session.idle_timeout: must be positive"},
		{c.Session.IdleTimeout > c.Session.Lifetime, fmt.Sprintf("session.idle_timeout: %v is longer than session.lifetime (%v)", c.Session.IdleTimeout, c.Session.Lifetime)},
		{c.Tokens.AccessTokenLifetime <= 0, "tokens.access_token_lifetime: must be positive"},
		{c.Tokens.IDTokenLifetime <= 0, "tokens.id_token_lifetime: must be positive"},
		{c.Tokens.RefreshTokenLifetime <= 0, "tokens.refresh_token_lifetime: must be positive"},
		{c.Tokens.RefreshTokenAbsoluteLifetime <= 0, "tokens.refresh_token_absolute_lifetime: must be positive"},
		{c.Tokens.RefreshTokenLifetime > c.Tokens.RefreshTokenAbsoluteLifetime,
			fmt.Sprintf("tokens.refresh_token_lifetime: %v is longer than tokens.refresh_token_absolute_lifetime (%v)", c.Tokens.RefreshTokenLifetime, c.Tokens.RefreshTokenAbsoluteLifetime)},
		{c.Tokens.AuthCodeLifetime <= 0 || c.Tokens.AuthCodeLifetime > 10*time.Minute,
			"tokens.auth_code_lifetime: must be positive and at most 10m (RFC 6749 section 4.1.2)"},
		{c.Tokens.AuthRequestLifetime <= 0, "tokens.auth_request_lifetime: must be positive"},
		{c.Password.Argon2Time < 1, "password.argon2_time: must be at least 1"},
		{c.Password.Argon2Threads < 1, "password.argon2_threads: must be at least 1"},
		{c.Password.Argon2Time >= 1 && c.Password.Argon2Threads >= 1 && c.PasswordParams().Validate() != nil,
			fmt.Sprintf("password: argon2_memory_kib, argon2_time, argon2_threads: %v", c.PasswordParams().Validate())},
		{c.Password.MaxConcurrentHashes < 0 || c.Password.MaxConcurrentHashes > 1024,
			fmt.Sprintf("password.max_concurrent_hashes: %d is not between 0 (one per core) and 1024", c.Password.MaxConcurrentHashes)},
		{strings.TrimSpace(c.MFA.TOTPIssuer) == "" || strings.Contains(c.MFA.TOTPIssuer, ":"), "mfa.totp_issuer: must be a non-empty name without a colon"},
		{c.MFA.CodeLifetime <= 0 || c.MFA.CodeLifetime > 10*time.Minute, "mfa.code_lifetime: must be positive and at most 10m (NIST SP 800-63B)"},
		{c.MFA.CodeMaxFailures < 1 || c.MFA.CodeMaxFailures > 100, fmt.Sprintf("mfa.code_max_failures: %d is not between 1 and 100", c.MFA.CodeMaxFailures)},
		{c.MFA.CodeResendAfter < 0, "mfa.code_resend_after: must not be negative"},
		{c.MFA.CodeMaxSends < 1, fmt.Sprintf("mfa.code_max_sends: %d must be at least 1", c.MFA.CodeMaxSends)},
		{c.MFA.CodeSendWindow <= 0, "mfa.code_send_window: must be positive"},
		{c.MFA.TrustedDeviceLifetime <= 0 || c.MFA.TrustedDeviceLifetime > 90*24*time.Hour, "mfa.trusted_device_lifetime: must be positive and at most 2160h (90 days)"},
		{!oneOf(c.Mail.Transport, "outbox", "smtp"), fmt.Sprintf("mail.transport: %q is not one of outbox, smtp", c.Mail.Transport)},
		{strings.TrimSpace(c.Mail.From) == "", "mail.from: must not be empty"},
		{c.Mail.Transport == "smtp" && c.Mail.SMTPHost == "", "mail.smtp_host: required when mail.transport is smtp"},
		{c.Mail.SMTPPort < 0 || c.Mail.SMTPPort > 65535, fmt.Sprintf("mail.smtp_port: %d is not between 0 (the default of smtp_tls) and 65535", c.Mail.SMTPPort)},
		{!oneOf(c.Mail.SMTPTLS, "starttls", "tls", "none"), fmt.Sprintf("mail.smtp_tls: %q is not one of starttls, tls, none", c.Mail.SMTPTLS)},
		{c.Mail.SMTPTimeout <= 0, "mail.smtp_timeout: must be positive"},
		{!oneOf(c.SMS.Transport, "outbox", "twilio", "webhook", "off"), fmt.Sprintf("sms.transport: %q is not one of outbox, twilio, webhook, off", c.SMS.Transport)},
		{c.SMS.Transport == "twilio" && (c.SMS.TwilioAccountSID == "" || c.SMS.TwilioAuthToken == "" || c.SMS.TwilioFrom == ""),
			"sms.twilio_account_sid, sms.twilio_auth_token, sms.twilio_from: all required when sms.transport is twilio"},
		{c.SMS.Transport == "webhook" && (c.SMS.WebhookURL == "" || len(c.SMS.WebhookSecret) < 32),
			"sms.webhook_url, sms.webhook_secret: required when sms.transport is webhook (the secret at least 32 characters)"},
		{c.WebAuthn.RPID != "" && net.ParseIP(strings.TrimSpace(c.WebAuthn.RPID)) != nil,
			fmt.Sprintf("webauthn.rp_id: %q is an IP address; WebAuthn needs a domain name", c.WebAuthn.RPID)},
	}
	var problems []string
	for _, ch := range checks {
		if ch.bad {
			problems = append(problems, ch.msg)
		}
	}
	problems = append(problems, c.selfServiceProblems()...)
	problems = append(problems, c.brandingProblems()...)
	problems = append(problems, c.vatProblems()...)
	problems = append(problems, c.keysProblems()...)
	problems = append(problems, c.storageProblems()...)
	problems = append(problems, c.accountsProblems()...)
	problems = append(problems, c.metricsProblems()...)
	problems = append(problems, c.auditProblems()...)
	problems = append(problems, c.clusterProblems()...)
	return problems
}

// checkListen checks a host:port listen address and returns its host.
func checkListen(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%q is not host:port (like localhost:8080 or :8080)", addr)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return "", fmt.Errorf("%q has a bad port; use a number from 0 to 65535", addr)
	}
	return host, nil
}

// issuerProblem returns what is wrong with an issuer URL, or "". A nil
// URL (one that did not parse, which Validate reports itself) has no
// further problem: Validate builds its messages eagerly (FuzzLoadConfig).
func issuerProblem(u *url.URL) string {
	switch {
	case u == nil:
		return ""
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("%q must start with https:// (or http:// for localhost)", u.String())
	case u.Host == "":
		return fmt.Sprintf("%q has no host", u.String())
	case u.User != nil, u.RawQuery != "", u.Fragment != "", u.ForceQuery:
		return fmt.Sprintf("%q must not have a user, query or fragment", u.String())
	case u.Path != "":
		return fmt.Sprintf("%q must not have a path (not even a trailing /); Gatehouse serves at the root of its host", u.String())
	}
	return ""
}

// parseKeyErr reports whether s is a valid sealing key.
func parseKeyErr(s string) error {
	_, err := secret.ParseKey(s)
	return err
}

// oneOf reports whether s is one of the options.
func oneOf(s string, options ...string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}

// validLanguage reports whether s is a BCP 47 tag of one of the shipped
// languages ("de" or "de-CH", not "nb" nor "xx").
func validLanguage(s string) bool {
	tag, err := language.Parse(strings.TrimSpace(s))
	if err != nil {
		return false
	}
	base, _ := tag.Base()
	want, _ := i18n.Match(tag).Base()
	return base == want
}

// DefaultLanguage returns server.default_language as a supported
// language (English when it is not valid; Validate reports that).
func (c Config) DefaultLanguage() language.Tag {
	return i18n.ParseLocale(c.Server.DefaultLanguage)
}
