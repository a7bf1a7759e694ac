package mfa

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

func TestAttemptPolicy(t *testing.T) {
	p := DefaultAttemptPolicy()
	m := time.Minute
	tests := []struct {
		name     string
		failures []time.Duration
		now      time.Duration
		want     error
		retry    time.Duration
		kept     int
	}{
		{"none", nil, 0, nil, 0, 0},
		{"four", []time.Duration{0, m, 2 * m, 3 * m}, 4 * m, nil, 0, 4},
		{"five", []time.Duration{0, m, 2 * m, 3 * m, 4 * m}, 4 * m, ErrTooManyFailures, m, 5},
		{"oldest left the window", []time.Duration{0, m, 2 * m, 3 * m, 4 * m}, 5 * m, nil, 0, 4},
		{"all old", []time.Duration{-20 * m, -10 * m}, 0, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st storage.MFAState
			for _, d := range tt.failures {
				recordFailure(&st, t0.Add(d))
			}
			err := p.Allow(&st, t0.Add(tt.now))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Allow() = %v, want %v", err, tt.want)
			}
			var rl *RateLimitError
			if errors.As(err, &rl) && (rl.RetryAfter != tt.retry || rl.Reason != ReasonTooManyFailures) {
				t.Errorf("RateLimitError = %+v, want retry %v", rl, tt.retry)
			}
			if len(st.Failures) != tt.kept {
				t.Errorf("kept %d failures, want %d", len(st.Failures), tt.kept)
			}
		})
	}
}

func TestFailureLogBounded(t *testing.T) {
	var st storage.MFAState
	for i := range 200 {
		recordFailure(&st, t0.Add(time.Duration(i)*time.Second))
	}
	if len(st.Failures) != maxLog || !st.Failures[maxLog-1].Equal(t0.Add(199*time.Second)) {
		t.Errorf("log has %d entries ending %v, want %d ending with the newest", len(st.Failures), st.Failures[len(st.Failures)-1], maxLog)
	}
	ClearFailures(&st)
	if st.Failures != nil {
		t.Error("ClearFailures kept failures")
	}
}
