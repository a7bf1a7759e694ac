package authreq

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// TestHeader checks which logos the sign-in pages show: only absolute
// https URLs without user information, and none without a name.
func TestHeader(t *testing.T) {
	for _, tt := range []struct {
		name, logo string
		want       templates.ClientHeader
	}{
		{"My app", "https://cdn.example/logo.png", templates.ClientHeader{Name: "My app", LogoURL: "https://cdn.example/logo.png"}},
		{"  My app ", "", templates.ClientHeader{Name: "My app"}},
		{"My app", "http://cdn.example/logo.png", templates.ClientHeader{Name: "My app"}},
		{"My app", "https://user:pw@cdn.example/logo.png", templates.ClientHeader{Name: "My app"}},
		{"My app", "javascript:alert(1)", templates.ClientHeader{Name: "My app"}},
		{"My app", "//cdn.example/logo.png", templates.ClientHeader{Name: "My app"}},
		{"My app", "https://cdn.example;script-src/logo.png", templates.ClientHeader{Name: "My app"}},
		{"", "https://cdn.example/logo.png", templates.ClientHeader{}},
	} {
		if got := Header(storage.Client{Name: tt.name, LogoURI: tt.logo}); got != tt.want {
			t.Errorf("Header(%q, %q) = %+v, want %+v", tt.name, tt.logo, got, tt.want)
		}
	}
}

// TestStartAgain checks where "Start again at <app>" leads: the client's
// home page, else the origin of the redirect URI, and nowhere for a
// native app.
func TestStartAgain(t *testing.T) {
	for _, tt := range []struct {
		client             storage.Client
		redirect           string
		wantLink, wantName string
	}{
		{storage.Client{Name: "My app", ClientURI: "https://app.example/home"}, "https://rp.example/cb", "https://app.example/home", "My app"},
		{storage.Client{ClientURI: "https://app.example/home"}, "https://rp.example/cb", "https://app.example/home", "app.example"},
		{storage.Client{Name: "My app"}, "https://rp.example/cb?x=1", "https://rp.example/", "My app"},
		{storage.Client{Name: "My app", ClientURI: "javascript:alert(1)"}, "https://rp.example/cb", "https://rp.example/", "My app"},
		{storage.Client{}, "http://localhost:9999/cb", "http://localhost:9999/", "localhost:9999"},
		{storage.Client{Name: "My app"}, "com.example.app:/cb", "", ""},
	} {
		link, name := StartAgain(tt.client, tt.redirect)
		if link != tt.wantLink || name != tt.wantName {
			t.Errorf("StartAgain(%+v, %q) = %q, %q, want %q, %q", tt.client, tt.redirect, link, name, tt.wantLink, tt.wantName)
		}
	}
}
