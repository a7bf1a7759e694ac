package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitFor checks cond every few milliseconds until it holds or the
// deadline passes; it waits on something the process under test does,
// not on time.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(within)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s: not within %s", what, within)
		}
	}
}

// TestGracefulShutdown sends SIGTERM to the binary while a token request
// is half sent: the server stops accepting connections, still answers the
// request with a token, then exits with status 0, the database closed
// cleanly (no running mark left).
func TestGracefulShutdown(t *testing.T) {
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	env := append(fixedPortEnv(t, dataDir), "GATEHOUSE_LOG_LEVEL=info")
	p := startProc(t, bin, env)
	cc := createBinClient(t, bin, env, "--name", "job", "--grant", "client_credentials")
	addr := strings.TrimPrefix(p.url, "http://")

	body := url.Values{"grant_type": {"client_credentials"}}.Encode()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	auth := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(cc[0]) + ":" + url.QueryEscape(cc[1])))
	head := fmt.Sprintf("POST /oauth/token HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", addr, auth, len(body))
	half := len(body) / 2
	if _, err := conn.Write([]byte(head + body[:half])); err != nil {
		t.Fatal(err)
	}
	// The server has read the request's head once the connection is
	// active; a new connection that answers proves the first was taken.
	if resp, err := http.Get(p.url + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz before SIGTERM: %v", err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the server logs that it shuts down", 10*time.Second, func() bool {
		return strings.Contains(p.stderr.String(), "shutting down")
	})
	waitFor(t, "the listener closes", 10*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	if _, err := conn.Write([]byte(body[half:])); err != nil {
		t.Fatalf("finish the request after SIGTERM: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to the request in flight: %v\nstderr:\n%s", err, p.stderr)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("the request in flight got %s, %v; want a token", resp.Status, err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("the server exited with %v after SIGTERM, want status 0\nstderr:\n%s", err, p.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not exit within 30s of SIGTERM")
	}
	if _, err := os.Stat(filepath.Join(dataDir, runningMarker)); !os.IsNotExist(err) {
		t.Errorf("the running mark is left after SIGTERM: %v", err)
	}
}
