package profile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	_ "image/jpeg" // image.DecodeConfig for JPEG avatars
	_ "image/png"  // image.DecodeConfig for PNG avatars
	"io"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// The profile picture. An upload is a multipart form of at most
// storage.MaxAvatarBytes for the file (the body may carry
// avatarFormOverhead more for the other fields). Its type is sniffed with
// http.DetectContentType, never taken from the request, and must be PNG,
// JPEG or WebP; its dimensions, read from the header (image.DecodeConfig,
// or the RIFF header for WebP), must be at most maxAvatarSide on each
// side. The picture is served at /profile/avatar/{userID} with the stored
// type, nosniff and a sandboxing CSP, so it can be the OIDC picture claim.

// maxAvatarSide is the largest accepted width and height, in pixels.
const maxAvatarSide = 1024

// avatarFormOverhead is what the multipart framing and the CSRF field may
// add to the file.
const avatarFormOverhead = 16 << 10

// Messages of the picture upload.
const (
	msgAvatarTooLarge = "The picture is larger than 1 MiB. Choose a smaller file."
	msgAvatarType     = "The picture must be a PNG, JPEG or WebP image."
	msgAvatarSize     = "The picture must be at most 1024 × 1024 pixels."
	msgAvatarMissing  = "Choose a picture to upload."
)

// avatarTypes are the accepted media types, as http.DetectContentType
// names them.
var avatarTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/webp": true}

// avatarPath is the URL of the user's picture.
func avatarPath(userID string) string { return pathProfile + "/avatar/" + userID }

// upload serves POST /profile/avatar. The body is multipart,
// so this handler reads it (bounded) and checks the CSRF token itself.
// A refused picture stores nothing.
func (d *avatarPages) upload() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		if d.avatars == nil {
			http.NotFound(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, storage.MaxAvatarBytes+avatarFormOverhead)
		if err := r.ParseMultipartForm(storage.MaxAvatarBytes + avatarFormOverhead); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				d.logger.InfoContext(r.Context(), "avatar refused: too large", "user_id", ps.User.ID)
				d.page.refuse(w, r, ps, templates.TabProfile, msgAvatarTooLarge)
				return
			}
			d.site.RenderProblem(w, r, web.ProbBadForm)
			return
		}
		defer r.MultipartForm.RemoveAll()
		if !d.sess.ValidCSRF(ps, r.PostFormValue("csrf")) {
			d.logger.InfoContext(r.Context(), "csrf check failed", "path", r.URL.Path, "cookie_present", true)
			d.site.RenderProblem(w, r, web.ProbCSRF)
			return
		}
		data, msg := readAvatar(r)
		if msg != "" {
			d.logger.InfoContext(r.Context(), "avatar refused", "user_id", ps.User.ID, "reason", msg)
			d.page.refuse(w, r, ps, templates.TabProfile, msg)
			return
		}
		contentType, msg := checkAvatar(data)
		if msg != "" {
			d.logger.InfoContext(r.Context(), "avatar refused", "user_id", ps.User.ID, "reason", msg)
			d.page.refuse(w, r, ps, templates.TabProfile, msg)
			return
		}
		if err := d.avatars.PutAvatar(r.Context(), ps.User.ID, contentType, data); err != nil {
			d.site.LogProblem(r, "avatar not stored", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.bumpUser(r, ps.User.ID)
		d.logger.InfoContext(r.Context(), "avatar stored", "user_id", ps.User.ID, "content_type", contentType, "bytes", len(data))
		http.Redirect(w, r, tabPath(templates.TabProfile, "avatar"), http.StatusSeeOther)
	})
}

// readAvatar reads the uploaded file, or returns the user-facing reason
// it cannot.
func readAvatar(r *http.Request) ([]byte, string) {
	f, _, err := r.FormFile("avatar")
	if err != nil {
		return nil, msgAvatarMissing
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, storage.MaxAvatarBytes+1))
	switch {
	case err != nil:
		return nil, msgAvatarMissing
	case len(data) == 0:
		return nil, msgAvatarMissing
	case len(data) > storage.MaxAvatarBytes:
		return nil, msgAvatarTooLarge
	}
	return data, ""
}

// checkAvatar returns the sniffed media type of an acceptable picture, or
// the user-facing reason it is refused.
func checkAvatar(data []byte) (contentType, msg string) {
	contentType = http.DetectContentType(data)
	if !avatarTypes[contentType] {
		return "", msgAvatarType
	}
	var width, height int
	if contentType == "image/webp" {
		var ok bool
		if width, height, ok = webpSize(data); !ok {
			return "", msgAvatarType
		}
	} else {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return "", msgAvatarType
		}
		width, height = cfg.Width, cfg.Height
	}
	if width <= 0 || height <= 0 || width > maxAvatarSide || height > maxAvatarSide {
		return "", msgAvatarSize
	}
	return contentType, ""
}

// webpSize reads the canvas size from a WebP file's first chunk (VP8,
// VP8L or VP8X).
func webpSize(b []byte) (width, height int, ok bool) {
	if len(b) < 30 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 0, 0, false
	}
	switch string(b[12:16]) {
	case "VP8 ":
		if b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a {
			return 0, 0, false
		}
		return int(binary.LittleEndian.Uint16(b[26:28]) & 0x3fff), int(binary.LittleEndian.Uint16(b[28:30]) & 0x3fff), true
	case "VP8L":
		if b[20] != 0x2f {
			return 0, 0, false
		}
		v := binary.LittleEndian.Uint32(b[21:25])
		return int(v&0x3fff) + 1, int(v>>14&0x3fff) + 1, true
	case "VP8X":
		w := int(b[24]) | int(b[25])<<8 | int(b[26])<<16
		h := int(b[27]) | int(b[28])<<8 | int(b[29])<<16
		return w + 1, h + 1, true
	}
	return 0, 0, false
}

// remove serves POST /profile/avatar/delete.
func (d *avatarPages) remove() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		if d.avatars == nil {
			http.NotFound(w, r)
			return
		}
		if err := d.avatars.DeleteAvatar(r.Context(), ps.User.ID); err != nil {
			d.site.LogProblem(r, "avatar not deleted", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.bumpUser(r, ps.User.ID)
		http.Redirect(w, r, tabPath(templates.TabProfile, "avatar_removed"), http.StatusSeeOther)
	})
}

// bumpUser records that the user's profile changed (UpdatedAt), which also
// changes the picture's URL. A failure is logged.
func (d *avatarPages) bumpUser(r *http.Request, userID string) {
	now := d.now()
	if _, err := d.users.UpdateUser(r.Context(), userID, func(old storage.User) (storage.User, error) {
		old.UpdatedAt = now
		return old, nil
	}); err != nil {
		d.site.LogProblem(r, "user not updated", err, "user_id", userID)
	}
}

// picture serves GET /profile/avatar/{userID}: the stored picture
// with its stored type only, nosniff and a CSP that sandboxes it.
func (d *avatarPages) picture() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.avatars == nil {
			http.NotFound(w, r)
			return
		}
		id := mux.Vars(r)["userID"]
		contentType, data, err := d.avatars.GetAvatar(r.Context(), id)
		if errors.Is(err, storage.ErrNotFound) || err == nil && !avatarTypes[contentType] {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			d.site.LogProblem(r, "avatar not loaded", err)
			http.Error(w, "Something went wrong.", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		d.site.SecurityHeaders(h)
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		h.Set("Content-Type", contentType)
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(data)
		}
	})
}
