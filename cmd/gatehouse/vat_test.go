package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// startFakeVIES starts a local server speaking the VIES REST API: 136695976
// is valid, 123456788 is not registered, and anything else finds the
// member state unavailable. It returns the server's base URL and a count of
// the requests it answered.
func startFakeVIES(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req struct{ CountryCode, VATNumber string }
		if r.Method != http.MethodPost || r.URL.Path != "/check-vat-number" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch req.CountryCode + req.VATNumber {
		case "DE136695976":
			io.WriteString(w, `{"valid":true,"requestDate":"2026-03-02T10:15:30Z","name":"Example GmbH","address":"Hauptstr. 1\n10115 Berlin"}`)
		case "DE111111125":
			io.WriteString(w, `{"valid":false,"name":"---","address":"---"}`)
		default:
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"actionSucceed":false,"errorWrappers":[{"error":"MS_UNAVAILABLE"}]}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &calls
}

func TestVATCheck(t *testing.T) {
	viesURL, calls := startFakeVIES(t)
	vies := map[string]string{"GATEHOUSE_VAT_MODE": "vies", "GATEHOUSE_VAT_VIES_URL": viesURL, "GATEHOUSE_VAT_TIMEOUT": "5s"}
	off := map[string]string{"GATEHOUSE_VAT_MODE": "off"}
	tests := []struct {
		name      string
		env       map[string]string
		args      []string
		wantCode  int      // exit status
		wantOut   []string // parts of stdout
		wantErr   string   // part of the error
		wantCalls int32    // VIES requests
	}{
		{"syntax valid", nil, []string{"DE 136.695.976"}, 0, []string{"DE136695976: valid (checked by syntax)"}, "", 0},
		{"syntax valid with country after the number", nil, []string{"094259216", "--country", "gr"}, 0, []string{"EL094259216: valid"}, "", 0},
		{"syntax valid with country before", nil, []string{"--country", "XI", "980780684"}, 0, []string{"XI980780684: valid"}, "", 0},
		{"syntax bad check digit", nil, []string{"DE136695977"}, 1, []string{"DE136695977: invalid (bad_check_digit, checked by syntax)"}, "DE136695977 is not valid", 0},
		{"syntax wrong prefix", nil, []string{"FR40303265045", "--country", "DE"}, 1, []string{"invalid (wrong_prefix", "billing country is Germany"}, "not valid", 0},
		{"syntax missing prefix", nil, []string{"136695976"}, 1, []string{"invalid (wrong_prefix"}, "not valid", 0},
		{"syntax not eu", nil, []string{"980780684", "--country", "GB"}, 1, []string{"invalid (not_eu"}, "not valid", 0},
		{"vies valid", vies, []string{"DE136695976"}, 0, []string{"DE136695976: valid (checked by vies)", "name: Example GmbH",
			"address: Hauptstr. 1, 10115 Berlin", "checked at: 2026-03-02T10:15:30Z"}, "", 1},
		{"vies invalid", vies, []string{"DE111111125"}, 1, []string{"DE111111125: invalid (not_registered, checked by vies)"}, "not valid", 1},
		{"vies unreachable", vies, []string{"DE129273398"}, 1, []string{"DE129273398: unreachable", "MS_UNAVAILABLE", "not known to be invalid"}, "try again later", 1},
		{"vies not asked for bad syntax", vies, []string{"DE12927339"}, 1, []string{"invalid (wrong_length, checked by syntax)"}, "not valid", 0},
		{"off", off, []string{"anything"}, 0, []string{"anything: not checked (vat.mode is off)"}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := calls.Load()
			out, err := cli(t, tt.env, "", append([]string{"vat", "check"}, tt.args...)...)
			if code := exitCodeOf(err); code != tt.wantCode {
				t.Fatalf("gatehouse vat check %v: exit %d (%v), want %d; output:\n%s", tt.args, code, err, tt.wantCode, out)
			}
			if tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output\n%s\ndoes not contain %q", out, w)
				}
			}
			if n := calls.Load() - before; n != tt.wantCalls {
				t.Errorf("VIES was asked %d times, want %d", n, tt.wantCalls)
			}
		})
	}
}

// exitCodeOf returns the exit status of run's error: 0 for nil.
func exitCodeOf(err error) int {
	if err == nil {
		return 0
	}
	return exitCode(err)
}

func TestVATCheckJSON(t *testing.T) {
	viesURL, _ := startFakeVIES(t)
	env := map[string]string{"GATEHOUSE_VAT_MODE": "vies", "GATEHOUSE_VAT_VIES_URL": viesURL}
	tests := []struct {
		number string
		want   vatJSON
	}{
		{"de136695976", vatJSON{Input: "de136695976", Number: "DE136695976", Result: "valid", Valid: true, Name: "Example GmbH",
			Address: "Hauptstr. 1, 10115 Berlin", RequestDate: "2026-03-02T10:15:30Z", Source: "vies"}},
		{"DE136695977", vatJSON{Input: "DE136695977", Number: "DE136695977", Result: "invalid", Reason: "bad_check_digit", Source: "syntax"}},
		{"DE129273398", vatJSON{Input: "DE129273398", Number: "DE129273398", Result: "unreachable", Source: "vies"}},
	}
	for _, tt := range tests {
		out, _ := cli(t, env, "", "vat", "check", "--json", tt.number)
		var got vatJSON
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("vat check --json %s printed %q: %v", tt.number, out, err)
		}
		if (got.Message != "") != (tt.want.Reason != "") || (got.Error != "") != (tt.want.Result == "unreachable") {
			t.Errorf("vat check --json %s = %+v: message or error missing or stray", tt.number, got)
		}
		got.Message, got.Error = "", ""
		if got != tt.want {
			t.Errorf("vat check --json %s =\n%+v\nwant\n%+v", tt.number, got, tt.want)
		}
	}
}

func TestVATCheckUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"vat"}, "missing subcommand"},
		{"unknown subcommand", []string{"vat", "verify"}, `unknown subcommand "verify"`},
		{"no number", []string{"vat", "check"}, "missing NUMBER"},
		{"empty number", []string{"vat", "check", " "}, "missing NUMBER"},
		{"two numbers", []string{"vat", "check", "DE", "136695976"}, `unexpected argument "136695976"`},
		{"bad country", []string{"vat", "check", "136695976", "--country", "DEU"}, `--country "DEU" is not a two-letter`},
		{"unknown flag", []string{"vat", "check", "--strict", "DE136695976"}, "flag provided but not defined"},
		{"flag without value", []string{"vat", "check", "DE136695976", "--country"}, "flag needs an argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cli(t, nil, "", tt.args...)
			if exitCodeOf(err) != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("gatehouse %v: %v (exit %d), want exit 2 and %q", tt.args, err, exitCodeOf(err), tt.want)
			}
		})
	}
	// Help succeeds and names the flags.
	var stderr bytes.Buffer
	err := runWith(context.Background(), []string{"gatehouse", "vat", "check", "-h"}, mapEnv(nil), strings.NewReader(""), io.Discard, &stderr, hooks{})
	if err != nil || !strings.Contains(stderr.String(), "--country") && !strings.Contains(stderr.String(), "-country") {
		t.Errorf("vat check -h: %v, stderr %q", err, stderr.String())
	}
}

// TestVATCheckBadConfig checks that a bad vat section stops the command
// with the configuration's error, before any check.
func TestVATCheckBadConfig(t *testing.T) {
	_, err := cli(t, map[string]string{"GATEHOUSE_VAT_MODE": "strict"}, "", "vat", "check", "DE136695976")
	if exitCodeOf(err) != 1 || !strings.Contains(err.Error(), "vat.mode (environment variable GATEHOUSE_VAT_MODE)") {
		t.Errorf("vat check with a bad mode: %v", err)
	}
}

// TestVATCheckTimeout checks that a VIES that does not answer makes the
// check unreachable within vat.timeout.
func TestVATCheckTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server notices the client leaving only once the body is read
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"GATEHOUSE_VAT_MODE": "vies", "GATEHOUSE_VAT_VIES_URL": srv.URL, "GATEHOUSE_VAT_TIMEOUT": "100ms"}
	start := time.Now()
	out, err := cli(t, env, "", "vat", "check", "DE136695976")
	if exitCodeOf(err) != 1 || !strings.Contains(out, "unreachable") {
		t.Errorf("vat check against a silent VIES: %v, output %q", err, out)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("vat check took %v with a 100ms timeout", d)
	}
}
