package mfa

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

var (
	t0     = time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	pepper = bytes.Repeat([]byte{0x42}, 32)
)

func TestDefaultCodePolicy(t *testing.T) {
	p := DefaultCodePolicy()
	want := CodePolicy{Length: 6, TTL: 10 * time.Minute, MaxFailures: 5, ResendAfter: 30 * time.Second, MaxSends: 5, SendWindow: 15 * time.Minute}
	if p != want {
		t.Errorf("DefaultCodePolicy() = %+v, want %+v", p, want)
	}
}

func TestNewCode(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		c := NewCode(DefaultCodePolicy())
		if _, ok := normalizeDigits(c, 6); !ok {
			t.Fatalf("NewCode() = %q, want six digits", c)
		}
		seen[c] = true
	}
	if len(seen) < 45 {
		t.Errorf("50 codes gave only %d distinct values", len(seen))
	}
	if c := NewCode(CodePolicy{Length: 8}); len(c) != 8 {
		t.Errorf("NewCode(Length 8) = %q", c)
	}
}

func TestHashCode(t *testing.T) {
	h := HashCode(pepper, "otp_1", "123456")
	if len(h) != 32 {
		t.Fatalf("len(HashCode) = %d, want 32", len(h))
	}
	if !bytes.Equal(h, HashCode(pepper, "otp_1", "123456")) {
		t.Error("HashCode is not deterministic")
	}
	for name, other := range map[string][]byte{
		"other pepper":   HashCode(bytes.Repeat([]byte{1}, 32), "otp_1", "123456"),
		"other ID":       HashCode(pepper, "otp_2", "123456"),
		"other code":     HashCode(pepper, "otp_1", "123457"),
		"shifted fields": HashCode(pepper, "otp_11", "23456"),
	} {
		if bytes.Equal(h, other) {
			t.Errorf("%s gives the same digest", name)
		}
	}
}

func newTestChallenge(t *testing.T, p CodePolicy) (storage.OTPChallenge, string) {
	t.Helper()
	c, code := NewChallenge(pepper, storage.OTPChallenge{
		UserID: "usr_a", AuthRequestID: "ar_1", Purpose: storage.OTPLogin,
		Channel: storage.ChannelEmail, Destination: "a@example.com",
	}, p, t0)
	return c, code
}

func TestNewChallenge(t *testing.T) {
	p := DefaultCodePolicy()
	c, code := newTestChallenge(t, p)
	if c.ID == "" || c.UserID != "usr_a" || c.AuthRequestID != "ar_1" || c.Purpose != storage.OTPLogin {
		t.Errorf("NewChallenge lost fields: %+v", c)
	}
	if !bytes.Equal(c.CodeHash, HashCode(pepper, c.ID, code)) {
		t.Error("CodeHash is not HashCode(pepper, ID, code)")
	}
	if !c.CreatedAt.Equal(t0) || !c.ExpiresAt.Equal(t0.Add(10*time.Minute)) || len(c.Sends) != 1 {
		t.Errorf("times: created %v expires %v sends %v", c.CreatedAt, c.ExpiresAt, c.Sends)
	}
	fixed, _ := NewChallenge(pepper, storage.OTPChallenge{ID: "login:ar_1"}, p, t0)
	if fixed.ID != "login:ar_1" {
		t.Errorf("NewChallenge replaced the given ID with %q", fixed.ID)
	}
}

func TestCheck(t *testing.T) {
	p := DefaultCodePolicy()
	tests := []struct {
		name         string
		prepare      func(c *storage.OTPChallenge)
		input        func(code string) string
		at           time.Duration
		want         error
		wantFailures int
		wantUsed     bool
	}{
		{"right code", nil, same, time.Minute, nil, 0, true},
		{"surrounding space", nil, func(c string) string { return " " + c + "\n" }, time.Minute, nil, 0, true},
		{"just before expiry", nil, same, 10*time.Minute - time.Nanosecond, nil, 0, true},
		{"at expiry", nil, same, 10 * time.Minute, ErrExpired, 0, false},
		{"wrong code", nil, wrongCode, time.Minute, ErrWrongCode, 1, false},
		{"inner space", nil, func(c string) string { return c[:3] + " " + c[3:] }, time.Minute, ErrMalformedCode, 0, false},
		{"too short", nil, func(c string) string { return c[:5] }, time.Minute, ErrMalformedCode, 0, false},
		{"letters", nil, func(string) string { return "12345a" }, time.Minute, ErrMalformedCode, 0, false},
		{"already used", func(c *storage.OTPChallenge) { c.UsedAt = t0 }, same, time.Minute, ErrUsed, 0, true},
		{"fifth wrong try voids", func(c *storage.OTPChallenge) { c.Failures = 4 }, wrongCode, time.Minute, ErrTooManyFailures, 5, false},
		{"void refuses the right code", func(c *storage.OTPChallenge) { c.Failures = 5 }, same, time.Minute, ErrTooManyFailures, 5, false},
		{"expired wrong code is not counted", nil, wrongCode, 11 * time.Minute, ErrExpired, 0, false},
		{"moved digest refused", func(c *storage.OTPChallenge) { c.ID = "otp_other" }, same, time.Minute, ErrWrongCode, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, code := newTestChallenge(t, p)
			if tt.prepare != nil {
				tt.prepare(&c)
			}
			err := Check(&c, pepper, tt.input(code), p, t0.Add(tt.at))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Check() = %v, want %v", err, tt.want)
			}
			if c.Failures != tt.wantFailures {
				t.Errorf("Failures = %d, want %d", c.Failures, tt.wantFailures)
			}
			if used := !c.UsedAt.IsZero(); used != tt.wantUsed {
				t.Errorf("used = %v, want %v", used, tt.wantUsed)
			}
		})
	}
}

func same(c string) string { return c }

func TestCheckSequence(t *testing.T) {
	p := DefaultCodePolicy()
	c, code := newTestChallenge(t, p)
	now := t0.Add(time.Minute)
	for i := 1; i <= 4; i++ {
		if err := Check(&c, pepper, wrongCode(code), p, now); !errors.Is(err, ErrWrongCode) {
			t.Fatalf("wrong try %d = %v, want ErrWrongCode", i, err)
		}
	}
	if err := Check(&c, pepper, code, p, now); err != nil {
		t.Fatalf("right code after 4 wrong tries = %v, want nil", err)
	}
	if err := Check(&c, pepper, code, p, now); !errors.Is(err, ErrUsed) {
		t.Errorf("second use = %v, want ErrUsed", err)
	}
}

func TestResend(t *testing.T) {
	p := DefaultCodePolicy()
	tests := []struct {
		name    string
		prepare func(c *storage.OTPChallenge)
		at      time.Duration
		want    error
		reason  string
	}{
		{"after 30 s", nil, 30 * time.Second, nil, ""},
		{"after expiry", nil, 20 * time.Minute, nil, ""},
		{"too soon", nil, 29 * time.Second, ErrRateLimited, ReasonTooSoon},
		{"used", func(c *storage.OTPChallenge) { c.UsedAt = t0 }, time.Minute, ErrUsed, ""},
		{"void", func(c *storage.OTPChallenge) { c.Failures = 5 }, time.Minute, ErrTooManyFailures, ""},
		{"five sends in the window", func(c *storage.OTPChallenge) {
			c.Sends = []time.Time{t0, t0.Add(time.Minute), t0.Add(2 * time.Minute), t0.Add(3 * time.Minute), t0.Add(4 * time.Minute)}
		}, 5 * time.Minute, ErrRateLimited, ReasonTooManySends},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, oldCode := newTestChallenge(t, p)
			c.Failures = 3
			if tt.prepare != nil {
				tt.prepare(&c)
			}
			before := c
			now := t0.Add(tt.at)
			newCode := wrongCode(oldCode)
			err := Resend(&c, HashCode(pepper, c.ID, newCode), p, now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Resend() = %v, want %v", err, tt.want)
			}
			var rl *RateLimitError
			if errors.As(err, &rl) && rl.Reason != tt.reason {
				t.Errorf("reason = %q, want %q", rl.Reason, tt.reason)
			}
			if err != nil {
				if !bytes.Equal(c.CodeHash, before.CodeHash) || !c.ExpiresAt.Equal(before.ExpiresAt) {
					t.Error("a refused Resend changed the challenge")
				}
				return
			}
			if c.Failures != 3 {
				t.Errorf("Failures = %d after Resend, want 3 (not reset)", c.Failures)
			}
			wantSends := RecordSend(before.Sends, p, now)
			if !c.ExpiresAt.Equal(now.Add(p.TTL)) || len(c.Sends) != len(wantSends) || !c.Sends[len(c.Sends)-1].Equal(now) {
				t.Errorf("expiry %v sends %v, want %v and %v", c.ExpiresAt, c.Sends, now.Add(p.TTL), wantSends)
			}
			if err := Check(&c, pepper, oldCode, p, now); !errors.Is(err, ErrWrongCode) {
				t.Errorf("old code after Resend = %v, want ErrWrongCode", err)
			}
			if err := Check(&c, pepper, newCode, p, now); err != nil {
				t.Errorf("new code after Resend = %v", err)
			}
		})
	}
}

func TestCanSend(t *testing.T) {
	p := DefaultCodePolicy()
	at := func(d ...time.Duration) []time.Time {
		var ts []time.Time
		for _, x := range d {
			ts = append(ts, t0.Add(x))
		}
		return ts
	}
	m := time.Minute
	tests := []struct {
		name   string
		sends  []time.Time
		now    time.Duration
		ok     bool
		retry  time.Duration
		reason string
	}{
		{"never sent", nil, 0, true, 0, ""},
		{"10 s after a send", at(0), 10 * time.Second, false, 20 * time.Second, ReasonTooSoon},
		{"rounds up to a second", at(0), 10*time.Second + 500*time.Millisecond, false, 20 * time.Second, ReasonTooSoon},
		{"30 s after a send", at(0), 30 * time.Second, true, 0, ""},
		{"4 sends in the window", at(0, m, 2*m, 3*m), 4 * m, true, 0, ""},
		{"5 sends in the window", at(0, m, 2*m, 3*m, 4*m), 5 * m, false, 10 * m, ReasonTooManySends},
		{"oldest leaves the window", at(0, m, 2*m, 3*m, 4*m), 15 * m, true, 0, ""},
		{"both limits, longer wins", at(0, m, 2*m, 3*m, 4*m), 4*m + 10*time.Second, false, 10*m + 50*time.Second, ReasonTooManySends},
		{"unsorted log", at(4*m, 0, 3*m, m, 2*m), 5 * m, false, 10 * m, ReasonTooManySends},
		{"old sends ignored", at(-60*m, -50*m, -40*m, -30*m, -20*m), 0, true, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, retry, reason := CanSend(tt.sends, p, t0.Add(tt.now))
			if ok != tt.ok || retry != tt.retry || reason != tt.reason {
				t.Errorf("CanSend() = %v, %v, %q, want %v, %v, %q", ok, retry, reason, tt.ok, tt.retry, tt.reason)
			}
		})
	}
}

func TestRecordSendPrunes(t *testing.T) {
	p := DefaultCodePolicy()
	log := []time.Time{t0.Add(-20 * time.Minute), t0.Add(-10 * time.Minute)}
	got := RecordSend(log, p, t0)
	if len(got) != 2 || !got[0].Equal(t0.Add(-10*time.Minute)) || !got[1].Equal(t0) {
		t.Errorf("RecordSend() = %v, want [t0-10m t0]", got)
	}
	// Sixth send in a row is refused by the per-user log.
	var sends []time.Time
	now := t0
	for i := 0; i < 5; i++ {
		if ok, _, reason := CanSend(sends, p, now); !ok {
			t.Fatalf("send %d refused: %s", i+1, reason)
		}
		sends = RecordSend(sends, p, now)
		now = now.Add(time.Minute)
	}
	if ok, _, reason := CanSend(sends, p, now); ok || reason != ReasonTooManySends {
		t.Errorf("sixth send = %v, %q, want refused with %q", ok, reason, ReasonTooManySends)
	}
}
