package vat

import (
	"context"
	"testing"
)

func TestParseMode(t *testing.T) {
	for _, s := range []string{"off", "syntax", "vies", " vies "} {
		if _, err := ParseMode(s); err != nil {
			t.Errorf("ParseMode(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "VIES", "on", "strict"} {
		if _, err := ParseMode(s); err == nil {
			t.Errorf("ParseMode(%q) = nil error, want one", s)
		}
	}
}

func TestValidator(t *testing.T) {
	validBody := `{"valid":true,"name":"Example GmbH"}`
	tests := []struct {
		name            string
		mode            Mode
		number, country string
		viesBody        string // what the fake VIES answers (200)
		want            Result // Number, Valid, Status, Source, and Reason's reason
		wantReason      Reason
		wantCalls       int
	}{
		{"off accepts anything", ModeOff, "DE 123", "DE", validBody, Result{Number: "DE123", Valid: true, Status: StatusUnchecked, Source: SourceOff}, "", 0},
		{"off keeps what does not normalise", ModeOff, " 12/3 ", "DE", validBody, Result{Number: "12/3", Valid: true, Status: StatusUnchecked, Source: SourceOff}, "", 0},
		{"syntax valid", ModeSyntax, "de 136.695.976", "DE", validBody, Result{Number: "DE136695976", Valid: true, Status: StatusValid, Source: SourceSyntax}, "", 0},
		{"syntax bad check digit", ModeSyntax, "DE136695977", "DE", validBody, Result{Number: "DE136695977", Status: StatusInvalid, Source: SourceSyntax}, ReasonBadCheckDigit, 0},
		{"syntax wrong prefix", ModeSyntax, "FR40303265045", "DE", validBody, Result{Status: StatusInvalid, Source: SourceSyntax}, ReasonWrongPrefix, 0},
		{"zero mode is syntax", "", "DE136695976", "", validBody, Result{Number: "DE136695976", Valid: true, Status: StatusValid, Source: SourceSyntax}, "", 0},
		{"vies not asked for bad syntax", ModeVIES, "DE13669597", "DE", validBody, Result{Number: "DE13669597", Status: StatusInvalid, Source: SourceSyntax}, ReasonWrongLength, 0},
		{"vies valid", ModeVIES, "136695976", "DE", validBody, Result{Number: "DE136695976", Valid: true, Status: StatusValid, Source: SourceVIES, Name: "Example GmbH"}, "", 1},
		{"vies invalid", ModeVIES, "136695976", "DE", `{"valid":false}`, Result{Number: "DE136695976", Status: StatusInvalid, Source: SourceVIES}, ReasonNotRegistered, 1},
		{"vies unreachable", ModeVIES, "094259216", "GR", errorBody("MS_UNAVAILABLE"), Result{Number: "EL094259216", Status: StatusUnreachable, Source: SourceVIES}, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeVIES{status: 200, body: tt.viesBody}
			v := Validator{Mode: tt.mode, Client: startVIES(t, f)}
			got := v.Validate(context.Background(), tt.number, tt.country)
			if got.Number != tt.want.Number || got.Valid != tt.want.Valid || got.Status != tt.want.Status ||
				got.Source != tt.want.Source || got.Name != tt.want.Name {
				t.Errorf("Validate(%q, %q) = %+v, want %+v", tt.number, tt.country, got, tt.want)
			}
			if r := ReasonOf(got.Reason); r != tt.wantReason {
				t.Errorf("Validate(%q, %q) reason = %q, want %q", tt.number, tt.country, r, tt.wantReason)
			}
			if n := f.callCount(); n != tt.wantCalls {
				t.Errorf("VIES was called %d times, want %d", n, tt.wantCalls)
			}
		})
	}
}
