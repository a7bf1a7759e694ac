package main

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestReadUsers(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		want    []signInUser
		wantErr bool
	}{
		{"space and tab", "# users\nada@example.com pass word\n\nbob@example.com\tsecret 2\r\n",
			[]signInUser{{"ada@example.com", "pass word"}, {"bob@example.com", "secret 2"}}, false},
		{"no password", "ada@example.com\n", nil, true},
		{"no address", "nobody secret\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "users")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := readUsers(path)
			if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("readUsers = %+v, %v; want %+v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestFirstPostForm(t *testing.T) {
	page := `<form method="get" action="/search"><input name="q"></form>
<form class="x" action="/login/password?a=1&amp;b=2" method="post">
<input type="hidden" name="csrf" value="t&amp;k"><input type="hidden" name="authRequestID" value="ar1">
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<input type="submit" value="Continue"></form><form method="post" action="/other"><input name="email"></form>`
	f, ok := firstPostForm(page)
	if !ok {
		t.Fatal("no form found")
	}
	if f.action != "/login/password?a=1&b=2" {
		t.Errorf("action = %q", f.action)
	}
	if want := (url.Values{"csrf": {"t&k"}, "authRequestID": {"ar1"}}); !reflect.DeepEqual(f.hidden, want) {
		t.Errorf("hidden = %v, want %v", f.hidden, want)
	}
	if !f.inputs["password"] || f.inputs["email"] || f.inputs["csrf"] {
		t.Errorf("inputs = %v, want password only", f.inputs)
	}
	if _, ok := firstPostForm(`<form method="get"></form>`); ok {
		t.Error("a GET form was taken for a POST form")
	}
}

// writeMail writes an outbox e-mail file as the server's outbox names it.
func writeMail(t *testing.T, dir, name, to, subject string) {
	t.Helper()
	msg := "From: Gatehouse <noreply@gatehouse.localhost>\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n\r\nbody\r\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(msg), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestOutboxCodes(t *testing.T) {
	dir := t.TempDir()
	writeMail(t, dir, "20260101T000000Z-000001-aaaa.eml", "Ada <ada@example.com>", "111111 is your Gatehouse sign-in code")
	o, err := openOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := o.codeFor(ctx, "ada@example.com", 0); !errors.Is(err, errNoCode) {
		t.Errorf("codeFor with only an older e-mail = %v, want errNoCode", err)
	}
	writeMail(t, dir, "20260101T000001Z-000002-bbbb.eml", "Ada <ada@example.com>", "222222 is your Gatehouse sign-in code")
	writeMail(t, dir, "20260101T000001Z-000003-cccc.eml", "bob@example.com", "333333 is your Gatehouse sign-in code")
	writeMail(t, dir, "20260101T000002Z-000004-dddd.eml", "ada@example.com", "=?utf-8?q?444444_ist_Ihr_Anmeldecode_f=C3=BCr_Gatehouse?=")
	writeMail(t, dir, "20260101T000003Z-000005-eeee.eml", "ada@example.com", "You signed in on a new device")
	writeMail(t, dir, ".20260101T000004Z-000006-ffff.eml", "ada@example.com", "666666 is your Gatehouse sign-in code")
	for _, want := range []string{"444444", "222222"} {
		if got, err := o.codeFor(ctx, "ADA@example.com", 0); got != want || err != nil {
			t.Errorf("codeFor(ada) = %q, %v, want %s", got, err, want)
		}
	}
	if _, err := o.codeFor(ctx, "ada@example.com", 0); !errors.Is(err, errNoCode) {
		t.Errorf("codeFor after every code was used = %v, want errNoCode", err)
	}
	if got, err := o.codeFor(ctx, "bob@example.com", 0); got != "333333" || err != nil {
		t.Errorf("codeFor(bob) = %q, %v, want 333333", got, err)
	}
}
