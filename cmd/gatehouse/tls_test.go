package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeTestCert writes a self-signed certificate for localhost and
// 127.0.0.1 and its key as PEM files into dir and returns their paths and
// a pool that trusts the certificate.
func writeTestCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestServeTLS starts the server with tls.cert_file and tls.key_file: it
// speaks https, derives an https issuer, and the hosted pages set Secure,
// __Host- cookies and HSTS.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := writeTestCert(t, dir)
	env := testEnv(filepath.Join(dir, "data"))
	env["GATEHOUSE_TLS_CERT_FILE"] = certFile
	env["GATEHOUSE_TLS_KEY_FILE"] = keyFile
	ts := startServer(t, env)
	_, port, _ := net.SplitHostPort(ts.addr)
	issuer := "https://localhost:" + port

	client := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
	resp, err := client.Get(issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("https discovery: %v", err)
	}
	var disc struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	err = json.NewDecoder(resp.Body).Decode(&disc)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery: status %d, err %v", resp.StatusCode, err)
	}
	if disc.Issuer != issuer || !strings.HasPrefix(disc.TokenEndpoint, issuer+"/") {
		t.Errorf("discovery issuer %q, token endpoint %q; want both on %s", disc.Issuer, disc.TokenEndpoint, issuer)
	}
	if !strings.Contains(ts.stdout.String(), "listening on https://") {
		t.Errorf("banner does not say https:\n%s", ts.stdout)
	}

	// The profile sign-in sets the login cookies: Secure over https, and
	// HSTS on the pages.
	cookies := 0
	resp, err = client.Get(issuer + "/profile")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for hop := 0; hop < 4 && (resp.StatusCode == http.StatusSeeOther || resp.StatusCode == http.StatusFound); hop++ {
		next := resp.Header.Get("Location")
		if !strings.HasPrefix(next, "https://") {
			next = issuer + next
		}
		if resp, err = client.Get(next); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			cookies++
			if !c.Secure || !c.HttpOnly {
				t.Errorf("cookie %s over https: Secure %v HttpOnly %v, want both", c.Name, c.Secure, c.HttpOnly)
			}
		}
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in page over https: status %d", resp.StatusCode)
	}
	if cookies == 0 {
		t.Error("no cookie was set on the way to the sign-in page")
	}
	if hsts := resp.Header.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=") {
		t.Errorf("Strict-Transport-Security = %q, want max-age", hsts)
	}
}

// TestServeTLSBadFiles checks that unreadable or mismatched TLS files stop
// start-up with an error naming the keys, and write nothing.
func TestServeTLSBadFiles(t *testing.T) {
	dir := t.TempDir()
	certFile, _, _ := writeTestCert(t, dir)
	otherDir := filepath.Join(dir, "other")
	if err := os.Mkdir(otherDir, 0o700); err != nil {
		t.Fatal(err)
	}
	_, otherKey, _ := writeTestCert(t, otherDir)
	tests := []struct {
		name, cert, key string
	}{
		{"missing cert", filepath.Join(dir, "nope.pem"), filepath.Join(dir, "key.pem")},
		{"key of another certificate", certFile, otherKey},
		{"cert as key", certFile, certFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dataDir := filepath.Join(t.TempDir(), "data")
			env := testEnv(dataDir)
			env["GATEHOUSE_TLS_CERT_FILE"] = tt.cert
			env["GATEHOUSE_TLS_KEY_FILE"] = tt.key
			_, err := cli(t, env, "", "serve")
			if err == nil || !strings.Contains(err.Error(), "tls.cert_file, tls.key_file") {
				t.Fatalf("serve with %s: err = %v, want an error naming tls.cert_file and tls.key_file", tt.name, err)
			}
			if _, err := os.Stat(filepath.Join(dataDir, dbFileName)); err == nil {
				t.Errorf("serve with %s created %s", tt.name, dbFileName)
			}
		})
	}
}
