package boltdb

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage"
)

// TestClaimsRequestEncoding: records written before the claims parameter
// was kept read with a zero ClaimsRequest, and a record without one is
// written as before, with no claims member.
func TestClaimsRequestEncoding(t *testing.T) {
	tests := []struct {
		name   string
		legacy string
		decode func([]byte) (storage.ClaimsRequest, error)
		encode func() any
	}{
		{"auth request", `{"id":"ar_1","client_id":"c","scopes":["openid"]}`,
			func(b []byte) (storage.ClaimsRequest, error) {
				var r authRequestRecord
				err := json.Unmarshal(b, &r)
				return r.authRequest().Claims, err
			},
			func() any { return marshalAuthRequest(storage.AuthRequest{ID: "ar_1"}) }},
		{"access token", `{"id":"at_1","subject":"usr_1"}`,
			func(b []byte) (storage.ClaimsRequest, error) {
				var r accessTokenRecord
				err := json.Unmarshal(b, &r)
				return r.accessToken().Claims, err
			},
			func() any { return marshalAccessToken(storage.AccessToken{ID: "at_1"}) }},
		{"refresh token", `{"id":"ab","family_id":"rf_1"}`,
			func(b []byte) (storage.ClaimsRequest, error) {
				var r refreshTokenRecord
				err := json.Unmarshal(b, &r)
				return r.refreshToken().Claims, err
			},
			func() any { return marshalRefreshToken(storage.RefreshToken{ID: "ab"}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.decode([]byte(tt.legacy))
			if err != nil {
				t.Fatalf("decode legacy record: %v", err)
			}
			if !c.IsZero() || c.IDToken != nil || c.UserInfo != nil {
				t.Errorf("legacy record Claims = %+v, want zero", c)
			}
			b, err := json.Marshal(tt.encode())
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), `"claims"`) {
				t.Errorf("record without claims encodes %s, want no claims member", b)
			}
		})
	}
}
