package iam

import (
	"strings"
	"testing"
)

func TestAuditEmailHash(t *testing.T) {
	tests := []struct{ a, b string }{
		{"Ada@Example.com", "ada@example.com"},
		{" ada@example.com ", "ada@example.com"},
	}
	for _, tt := range tests {
		got := AuditEmailHash(tt.a)
		if got != AuditEmailHash(tt.b) || len(got) != auditEmailHashHexLen || strings.Contains(got, "ada") {
			t.Errorf("AuditEmailHash(%q) = %q, want the 16-digit hash of %q", tt.a, got, tt.b)
		}
	}
	if AuditEmailHash("ada@example.com") == AuditEmailHash("bob@example.com") {
		t.Error("two addresses share a hash")
	}
}
