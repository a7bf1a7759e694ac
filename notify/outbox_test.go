package notify

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// newTestOutbox returns an outbox in a fresh directory, logging into buf.
func newTestOutbox(t *testing.T, buf *bytes.Buffer, now func() time.Time) (*Outbox, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "outbox")
	o, err := NewOutbox(dir, slog.New(slog.NewTextHandler(buf, nil)), now)
	if err != nil {
		t.Fatalf("NewOutbox() error = %v", err)
	}
	return o, dir
}

func TestOutboxWritesEmail(t *testing.T) {
	var logs bytes.Buffer
	o, dir := newTestOutbox(t, &logs, clock)
	if err := o.StartupCheck(context.Background()); err != nil {
		t.Fatalf("StartupCheck() = %v", err)
	}
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("outbox directory mode = %v (%v), want 0700", info.Mode().Perm(), err)
	}
	want := Email{To: "ada@example.com", ToName: "Ada", Subject: "123456 is your code — Anmeldung", Text: "Your code is 123456.", HTML: "<p>Your code is 123456.</p>"}
	if err := o.SendEmail(context.Background(), want); err != nil {
		t.Fatalf("SendEmail() = %v", err)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("outbox has %d entries, want 1 (no temporary files left)", len(entries))
	}
	name := entries[0].Name()
	if !regexp.MustCompile(`^20261127T034500Z-000001-[0-9a-f]{8}\.eml$`).MatchString(name) {
		t.Errorf("file name = %q, want 20261127T034500Z-000001-<random>.eml", name)
	}
	info, err := entries[0].Info()
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v (%v), want 0600", info.Mode().Perm(), err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ParseMessage() error = %v", err)
	}
	want.Text += "\n"
	want.HTML += "\n"
	if got != want {
		t.Errorf("ParseMessage() = %+v, want %+v", got, want)
	}
	if !bytes.Contains(raw, []byte("Date: Fri, 27 Nov 2026 03:45:00 +0000\r\n")) {
		t.Errorf("message has no Date header from the fake clock:\n%s", raw)
	}

	log := logs.String()
	for _, w := range []string{"level=INFO", "development outbox", "to=ada@example.com", name, "123456"} {
		if !strings.Contains(log, w) {
			t.Errorf("log %q does not contain %q", log, w)
		}
	}
}

func TestReadLatestEmail(t *testing.T) {
	now := fixedNow
	o, dir := newTestOutbox(t, new(bytes.Buffer), func() time.Time { return now })
	if _, _, err := ReadLatestEmail(dir, "ada@example.com"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadLatestEmail(empty outbox) error = %v, want fs.ErrNotExist", err)
	}
	send := func(to, text string) {
		t.Helper()
		if err := o.SendEmail(context.Background(), Email{To: to, Subject: "Code", Text: text}); err != nil {
			t.Fatalf("SendEmail() = %v", err)
		}
	}
	// The first three share one clock second; the last is a second later.
	send("ada@example.com", "first")
	send("bob@example.com", "bob's")
	send("ada@example.com", "second")
	now = now.Add(time.Second)
	send("carol@example.com", "carol's")

	tests := []struct {
		to, want string
	}{
		{"ada@example.com", "second\n"},
		{"ADA@example.com", "second\n"},
		{"bob@example.com", "bob's\n"},
		{"", "carol's\n"},
	}
	for _, tt := range tests {
		t.Run(tt.to, func(t *testing.T) {
			m, path, err := ReadLatestEmail(dir, tt.to)
			if err != nil {
				t.Fatalf("ReadLatestEmail(%q) error = %v", tt.to, err)
			}
			if m.Text != tt.want {
				t.Errorf("ReadLatestEmail(%q) text = %q, want %q", tt.to, m.Text, tt.want)
			}
			if filepath.Dir(path) != dir || !strings.HasSuffix(path, ".eml") {
				t.Errorf("ReadLatestEmail(%q) path = %q, want an .eml in %s", tt.to, path, dir)
			}
		})
	}
	if _, _, err := ReadLatestEmail(dir, "dave@example.com"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadLatestEmail(unknown) error = %v, want fs.ErrNotExist", err)
	}

	// A new outbox on the same directory continues the sequence.
	o2, err := NewOutbox(dir, nil, clock)
	if err != nil {
		t.Fatal(err)
	}
	if err := o2.SendEmail(context.Background(), Email{To: "ada@example.com", Subject: "Code", Text: "after restart"}); err != nil {
		t.Fatal(err)
	}
	if m, path, err := ReadLatestEmail(dir, "ada@example.com"); err != nil || m.Text != "after restart\n" || !strings.Contains(path, "-000005-") {
		t.Errorf("ReadLatestEmail() after restart = %q, %q, %v, want \"after restart\" in file 5", m.Text, path, err)
	}
}

func TestOutboxWritesSMS(t *testing.T) {
	var logs bytes.Buffer
	o, dir := newTestOutbox(t, &logs, clock)
	if got, err := ReadSMS(dir); err != nil || len(got) != 0 {
		t.Errorf("ReadSMS(empty outbox) = %v, %v, want none", got, err)
	}
	want := []SMS{{To: "+447700900123", Body: "123456 is your code"}, {To: "+15005550006", Body: "second\nline \"quoted\""}}
	for _, m := range want {
		if err := o.SendSMS(context.Background(), m); err != nil {
			t.Fatalf("SendSMS() = %v", err)
		}
	}
	if err := o.SendSMS(context.Background(), SMS{To: "12345", Body: "x"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("SendSMS(bad number) = %v, want ErrInvalid", err)
	}
	got, err := ReadSMS(dir)
	if err != nil {
		t.Fatalf("ReadSMS() error = %v", err)
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("ReadSMS() = %+v, want %+v", got, want)
	}
	path := filepath.Join(dir, SMSFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"sent_at":"2026-11-27T03:45:00Z"`) {
		t.Errorf("sms.jsonl = %q, want two JSON lines with sent_at", raw)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("sms.jsonl mode = %v (%v), want 0600", info.Mode().Perm(), err)
	}
	for _, w := range []string{"development outbox", "sms written", "123456 is your code"} {
		if !strings.Contains(logs.String(), w) {
			t.Errorf("log %q does not contain %q", logs.String(), w)
		}
	}
}

func TestOutboxRestrictsExistingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := NewOutbox(dir, nil, nil); err != nil {
		t.Fatalf("NewOutbox() error = %v", err)
	}
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("outbox directory mode = %v (%v), want 0700", info.Mode().Perm(), err)
	}
	if _, err := NewOutbox("", nil, nil); err == nil {
		t.Error("NewOutbox(\"\") error = nil, want an error")
	}
}

func TestOutboxUnwritable(t *testing.T) {
	o, dir := newTestOutbox(t, new(bytes.Buffer), clock)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := o.StartupCheck(context.Background()); err == nil {
		t.Error("StartupCheck(removed directory) = nil, want an error")
	}
	if err := o.SendEmail(context.Background(), Email{To: "ada@example.com", Subject: "Code", Text: "1"}); !errors.Is(err, ErrDelivery) {
		t.Errorf("SendEmail(removed directory) = %v, want ErrDelivery", err)
	}
	if err := o.SendSMS(context.Background(), SMS{To: "+447700900123", Body: "1"}); !errors.Is(err, ErrDelivery) {
		t.Errorf("SendSMS(removed directory) = %v, want ErrDelivery", err)
	}
}
