package profile

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/login"
	"github.com/gatehouse-id/gatehouse/storage"
)

// pngOf returns a PNG image of the size.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// postAvatar uploads data as the avatar file with the CSRF token.
func (b *browser) postAvatar(csrf string, data []byte) response {
	b.h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrf != "" {
		_ = mw.WriteField("csrf", csrf)
	}
	fw, err := mw.CreateFormFile("avatar", "me.png")
	if err != nil {
		b.h.t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.h.srv.URL+"/profile/avatar", &body)
	if err != nil {
		b.h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", "null")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

func TestProfileAvatar(t *testing.T) {
	webp := append([]byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00"), 0xff, 0x07, 0x00, 0x0f, 0x00, 0x00) // 2048 x 16
	tests := []struct {
		name    string
		csrf    bool
		data    []byte
		status  int
		wantMsg string
	}{
		{"png accepted", true, pngOf(t, 64, 48), http.StatusSeeOther, ""},
		{"2 MiB refused", true, append(pngOf(t, 8, 8), make([]byte, 2<<20)...), http.StatusOK, "larger than 1 MiB"},
		{"text refused", true, []byte("hello, this is not a picture\n"), http.StatusOK, "PNG, JPEG or WebP"},
		{"too wide png", true, pngOf(t, 1025, 10), http.StatusOK, "1024 × 1024"},
		{"too wide webp", true, webp, http.StatusOK, "1024 × 1024"},
		{"no csrf", false, pngOf(t, 8, 8), http.StatusForbidden, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(d *login.Deps) { d.Avatars = d.Users.(storage.Avatars) })
			b, u, p := profileUser(t, h, "ada@example.com", "profile")
			csrf := ""
			if tc.csrf {
				csrf = csrfOf(t, p)
			}
			r := b.postAvatar(csrf, tc.data)
			if r.status != tc.status || !strings.Contains(r.body, tc.wantMsg) {
				t.Fatalf("upload = %d, want %d with %q:\n%s", r.status, tc.status, tc.wantMsg, r.body)
			}
			ct, data, err := h.db.GetAvatar(context.Background(), u.ID)
			if tc.status != http.StatusSeeOther {
				if !errors.Is(err, storage.ErrNotFound) {
					t.Fatalf("GetAvatar() = %q, %v, want nothing stored", ct, err)
				}
				return
			}
			if err != nil || ct != "image/png" || !bytes.Equal(data, tc.data) {
				t.Fatalf("GetAvatar() = %q, %d bytes, %v", ct, len(data), err)
			}
			g := b.get(avatarPath(u.ID))
			if g.status != http.StatusOK || g.header.Get("Content-Type") != "image/png" || g.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET avatar = %d %v", g.status, g.header)
			}
			if !strings.Contains(b.get(tabPath("profile")).body, avatarPath(u.ID)) {
				t.Error("profile does not show the picture")
			}
		})
	}
}
