package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
)

type checkFunc func(context.Context) error

func (f checkFunc) StartupCheck(ctx context.Context) error { return f(ctx) }

func TestCheckAll(t *testing.T) {
	ok := checkFunc(func(context.Context) error { return nil })
	errA, errB := errors.New("smtp broken"), errors.New("sms broken")
	tests := []struct {
		name   string
		checks []interface{ StartupCheck(context.Context) error }
		want   []error
	}{
		{"none", nil, nil},
		{"all pass", []interface{ StartupCheck(context.Context) error }{ok, ok}, nil},
		{"nil skipped", []interface{ StartupCheck(context.Context) error }{nil, ok}, nil},
		{"two fail", []interface{ StartupCheck(context.Context) error }{
			checkFunc(func(context.Context) error { return errA }), ok,
			checkFunc(func(context.Context) error { return errB }),
		}, []error{errA, errB}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckAll(context.Background(), tt.checks...)
			if (err == nil) != (len(tt.want) == 0) {
				t.Fatalf("CheckAll() = %v, want errors %v", err, tt.want)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) || !strings.Contains(err.Error(), w.Error()) {
					t.Errorf("CheckAll() = %v, want it to include %v", err, w)
				}
			}
		})
	}
}

func TestCheckAllWithRealTransports(t *testing.T) {
	o, err := NewOutbox(t.TempDir(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := NewWebhook(WebhookConfig{URL: "https://sms.example.com/hook", Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: 1, TLS: TLSNone, From: "noreply@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	err = CheckAll(context.Background(), o, wh, m)
	if !errors.Is(err, ErrDelivery) || !strings.Contains(err.Error(), "smtp connect") {
		t.Errorf("CheckAll() = %v, want only the smtp connect failure", err)
	}
}
