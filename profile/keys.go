package profile

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/passkey"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// The signed-in user's security keys and passkeys, at pathKeys (the
// Security tab links there). Listing needs a valid SSO session; every
// change (adding, renaming or removing a key, changing the preferred
// method) needs a fresh second factor: a session whose authentication
// proved a code or key at most session.StepUpWindow ago, as for the
// profile's other sensitive changes (session.Fresh; a trusted device does
// not count). SECURITY-CHECKLIST 3.4 and 3.5. A stale session gets the
// "Sign in again" form of /login/reauth, which returns to this page. The
// signed-in user comes from session.Service.RequireSignedIn. The forms
// carry a CSRF token
// derived from the session cookie; the registration's JSON endpoints take
// it in the X-CSRF-Token header, and its ceremony is bound to the session.
const (
	pathKeys       = "/profile/keys"
	pathKeysBegin  = "/profile/keys/begin"
	pathKeysFinish = "/profile/keys/finish"
	pathKeysRename = "/profile/keys/rename"
	pathKeysRemove = "/profile/keys/remove"
	pathKeysPrefer = "/profile/keys/prefer"
)

// keysReturnTab is the "tab" of a /profile/reauth form that returns the
// user to pathKeys after the re-authentication (profile_signin.go).
const keysReturnTab = "keys"

// keysCSRFLabel labels the CSRF tokens of the keys page, derived from the
// session cookie (the label only separates them from the profile's).
const keysCSRFLabel = "gh_session_csrf"

// Notices shown after a change, selected by the "done" parameter.
var keysNotices = map[string]string{
	"added":     "Your key was added. You can now use it to sign in.",
	"renamed":   "The key was renamed.",
	"removed":   "The key was removed.",
	"preferred": "You will now sign in with a security key or passkey.",
	"email":     "You will now get a code by e-mail when you sign in.",
}

// Messages of the keys page.
const (
	msgKeysLastMethod = "This is your last key and your preferred way to sign in. Choose e-mail codes first, then remove it."
	msgKeysNotFound   = "That key was not found. Reload the page and try again."
	msgKeysBadName    = "Enter a name of at most 64 characters."
	msgKeysNoKeys     = "Add a key first."
	msgKeysStale      = "Nothing was changed: to change your keys, first sign in again below."
)

// keysSignedOut answers a keys request without a valid session: an error
// page, or a JSON error for the ceremony endpoints.
func (d *keyPages) keysSignedOut(asJSON bool) session.SignedOut {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		switch {
		case err != nil && asJSON:
			web.JSONError(w, http.StatusInternalServerError, passkey.JSONErrInternal)
		case err != nil:
			d.site.RenderProblem(w, r, web.ProbInternal)
		case asJSON:
			web.JSONError(w, http.StatusUnauthorized, passkey.JSONErrNotSigned)
		default:
			d.site.RenderProblem(w, r, probKeysSignedOut)
		}
	}
}

// probKeysSignedOut is shown on the keys page without a session.
var probKeysSignedOut = web.Problem{Status: http.StatusUnauthorized, Page: templates.ErrorPage{
	Title:   "You are not signed in",
	Message: "Your security keys and passkeys can only be managed while you are signed in.",
	Next:    "Open your profile and sign in, then come back to this page.",
}}

// isPasskey reports whether a credential is a passkey rather than a
// security key: it can be synced (backup eligible), or it lives in the
// device itself ("internal", Windows Hello, Touch ID, Android) or on a
// phone used across devices ("hybrid"). A key that only speaks usb, nfc
// or ble is a security key; so is one that reported nothing. The store
// does not record whether a key on a USB token is discoverable, so such a
// device-bound passkey is shown as a security key.
func isPasskey(c storage.WebAuthnCredential) bool {
	if c.BackupEligible {
		return true
	}
	for _, t := range c.Transports {
		if t == "internal" || t == "hybrid" {
			return true
		}
	}
	return false
}

// keyItems formats credentials for display, with dates in p's language.
func keyItems(p *i18n.Printer, creds []storage.WebAuthnCredential) []templates.KeyItem {
	items := make([]templates.KeyItem, 0, len(creds))
	for _, c := range creds {
		it := templates.KeyItem{
			ID:           base64.RawURLEncoding.EncodeToString(c.ID),
			Name:         c.Name,
			Passkey:      isPasskey(c),
			Created:      formatDate(p, c.CreatedAt),
			LastUsed:     "never",
			CloneWarning: c.CloneWarning,
		}
		if !c.LastUsedAt.IsZero() {
			it.LastUsed = formatDate(p, c.LastUsedAt)
		}
		items = append(items, it)
	}
	return items
}

// securityKeys returns the data of the "security_keys" block for the
// user's Security tab. It is empty when passkeys (the service) are off.
func securityKeys(ctx context.Context, passkeys *passkey.Service, p *i18n.Printer, u storage.User) (templates.SecurityKeys, error) {
	sk := templates.SecurityKeys{ManageURL: pathKeys, Preferred: u.MFAMethod == storage.MFAWebAuthn}
	if passkeys == nil {
		return sk, nil
	}
	creds, err := passkeys.ListCredentials(ctx, u.ID)
	if err != nil {
		return sk, fmt.Errorf("security keys: %w", err)
	}
	sk.Keys = keyItems(p, creds)
	return sk, nil
}

// renderKeys shows the keys page with a notice or an error.
func (d *keyPages) renderKeys(w http.ResponseWriter, r *http.Request, k session.SignedIn, status int, notice, errMsg string) {
	creds, err := d.passkeys.ListCredentials(r.Context(), k.User.ID)
	if err != nil {
		d.site.LogProblem(r, "keys not listed", err, "user_id", k.User.ID)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	page := templates.PasskeyKeysPage{
		CSRFToken:       d.sess.Tokens(keysCSRFLabel).Token(k),
		Email:           k.User.Email,
		Keys:            keyItems(d.printer(r), creds),
		Fresh:           k.Fresh(d.now()),
		Preferred:       k.User.MFAMethod == storage.MFAWebAuthn,
		CanPrefer:       passkey.CanPrefer(passkey.UsableCount(creds)) == nil,
		BeginPasskeyURL: pathKeysBegin + "?kind=passkey",
		BeginKeyURL:     pathKeysBegin + "?kind=key",
		FinishURL:       pathKeysFinish,
		RenameAction:    pathKeysRename,
		RemoveAction:    pathKeysRemove,
		PreferAction:    pathKeysPrefer,
		Notice:          notice,
		Error:           errMsg,
		ReauthAction:    pathReauth + "?" + url.Values{"return": {pathKeys}}.Encode(),
		ReauthTab:       keysReturnTab,
		ReauthCSRFToken: d.sess.CSRFToken(k),
	}
	web.AllowScripts(w)
	d.site.Render(w, r, status, page)
}

// list serves GET /profile/keys.
func (d *keyPages) list() http.Handler {
	return d.sess.RequireSignedIn(d.keysSignedOut(false), func(w http.ResponseWriter, r *http.Request, k session.SignedIn) {
		d.renderKeys(w, r, k, http.StatusOK, keysNotices[r.URL.Query().Get("done")], "")
	})
}

// ceremonyOwner binds a registration ceremony to the SSO session.
func ceremonyOwner(s storage.Session) passkey.Option {
	return passkey.ForAuthRequest("session:" + s.ID)
}

// begin serves POST /profile/keys/begin?kind=passkey|key: the
// options to register a passkey (discoverable) or a security key.
func (d *keyPages) begin() http.Handler {
	return d.sess.RequireSignedIn(d.keysSignedOut(true), func(w http.ResponseWriter, r *http.Request, k session.SignedIn) {
		if !k.Fresh(d.now()) {
			web.JSONError(w, http.StatusForbidden, passkey.JSONErrStale)
			return
		}
		resident := r.URL.Query().Get("kind") != "key"
		sid, opts, err := d.passkeys.BeginRegistration(r.Context(), k.User.ID, resident, ceremonyOwner(k.Session))
		if err != nil {
			d.site.LogProblem(r, "webauthn: registration not begun", err, "user_id", k.User.ID)
			web.JSONError(w, http.StatusInternalServerError, passkey.JSONErrInternal)
			return
		}
		web.WriteJSON(w, http.StatusOK, passkey.Begun{Session: sid, Options: opts})
	})
}

// finish serves POST /profile/keys/finish: it verifies and
// saves the new key under the name given, and tells the user by e-mail.
func (d *keyPages) finish() http.Handler {
	return d.sess.RequireSignedIn(d.keysSignedOut(true), func(w http.ResponseWriter, r *http.Request, k session.SignedIn) {
		if !k.Fresh(d.now()) {
			web.JSONError(w, http.StatusForbidden, passkey.JSONErrStale)
			return
		}
		f, err := passkey.ReadFinish(r)
		if err != nil {
			d.logger.InfoContext(r.Context(), "webauthn: bad registration request", "user_id", k.User.ID, "err", err)
			web.JSONError(w, http.StatusBadRequest, web.JSONErrBody)
			return
		}
		c, err := d.passkeys.FinishRegistration(r.Context(), k.User.ID, f.Session, f.Name, f.Credential, ceremonyOwner(k.Session))
		switch {
		case errors.Is(err, passkey.ErrInvalidName):
			web.JSONError(w, http.StatusBadRequest, passkey.JSONErrName)
			return
		case errors.Is(err, passkey.ErrCredentialExists):
			d.logger.InfoContext(r.Context(), "key registration refused: already registered", "user_id", k.User.ID)
			web.JSONError(w, http.StatusConflict, passkey.JSONErrExists)
			return
		case err != nil:
			d.ceremonyRefused(w, r, "key registration refused", err, k.User.ID)
			return
		}
		d.logger.InfoContext(r.Context(), "security key added", "user_id", k.User.ID, "synced", c.BackupEligible)
		d.tell.audit(r, iam.AuditKeyAdded, k.User.ID, k.User.ID, map[string]string{"name": c.Name, "synced": fmt.Sprint(c.BackupEligible)})
		d.keyNotice(r, k.User, true, c)
		web.WriteJSON(w, http.StatusOK, passkey.Done{Redirect: pathKeys + "?done=added"})
	})
}

// keyNotice e-mails u that the key c was added to or removed from the
// account (SECURITY-CHECKLIST 3.4 and 3.5: binding a new authenticator,
// or any change to one, is notified), calling it a passkey or a security
// key (isPasskey). c is zero when the removed key could not be read. A
// failure is logged; the change is already made.
func (d *keyPages) keyNotice(r *http.Request, u storage.User, added bool, c storage.WebAuthnCredential) {
	kind := notify.KeyUnknown
	switch {
	case c.ID == nil:
	case isPasskey(c):
		kind = notify.KeyPasskey
	default:
		kind = notify.KeySecurityKey
	}
	at := d.now()
	d.tell.email(r, u, "key notice", func(m Messages) (notify.Email, error) {
		if added {
			return m.KeyAddedEmail(u.Email, u.Name(), kind, c.Name, at)
		}
		return m.KeyRemovedEmail(u.Email, u.Name(), kind, c.Name, at)
	})
}

// keyOf returns the user's key id, or a zero credential when it is not
// found (the removal then reports it) or cannot be read.
func (d *keyPages) keyOf(r *http.Request, userID string, id []byte) storage.WebAuthnCredential {
	creds, err := d.passkeys.ListCredentials(r.Context(), userID)
	if err != nil {
		d.site.LogProblem(r, "keys not listed", err, "user_id", userID)
		return storage.WebAuthnCredential{}
	}
	for _, c := range creds {
		if bytes.Equal(c.ID, id) {
			return c
		}
	}
	return storage.WebAuthnCredential{}
}

// changeableKeys is the start of every keys form POST: it checks that the
// signed-in user k has a fresh second factor and returns the credential
// ID of the "id" field (when wantID). Otherwise it answers and returns
// ok=false.
func (d *keyPages) changeableKeys(w http.ResponseWriter, r *http.Request, k session.SignedIn, wantID bool) ([]byte, bool) {
	if !k.Fresh(d.now()) {
		d.renderKeys(w, r, k, http.StatusForbidden, "", msgKeysStale)
		return nil, false
	}
	if !wantID {
		return nil, true
	}
	id, err := base64.RawURLEncoding.DecodeString(r.PostForm.Get("id"))
	if err != nil || len(id) == 0 {
		d.renderKeys(w, r, k, http.StatusBadRequest, "", msgKeysNotFound)
		return nil, false
	}
	return id, true
}

// doneRedirect sends the browser back to the keys page with a notice.
func doneRedirect(w http.ResponseWriter, r *http.Request, done string) {
	http.Redirect(w, r, pathKeys+"?"+url.Values{"done": {done}}.Encode(), http.StatusSeeOther)
}

// rename serves POST /profile/keys/rename.
func (d *keyPages) rename() http.Handler {
	return d.sess.RequireSignedIn(d.keysSignedOut(false), func(w http.ResponseWriter, r *http.Request, k session.SignedIn) {
		id, ok := d.changeableKeys(w, r, k, true)
		if !ok {
			return
		}
		_, err := d.passkeys.RenameCredential(r.Context(), k.User.ID, id, r.PostForm.Get("name"))
		switch {
		case errors.Is(err, passkey.ErrInvalidName):
			d.renderKeys(w, r, k, http.StatusBadRequest, "", msgKeysBadName)
		case errors.Is(err, passkey.ErrCredentialNotFound):
			d.renderKeys(w, r, k, http.StatusNotFound, "", msgKeysNotFound)
		case err != nil:
			d.site.LogProblem(r, "key not renamed", err, "user_id", k.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
		default:
			d.logger.InfoContext(r.Context(), "security key renamed", "user_id", k.User.ID)
			doneRedirect(w, r, "renamed")
		}
	})
}

// remove serves POST /profile/keys/remove. The last key of a
// user who prefers WebAuthn cannot be removed (passkey.CanRemove).
func (d *keyPages) remove() http.Handler {
	return d.sess.RequireSignedIn(d.keysSignedOut(false), func(w http.ResponseWriter, r *http.Request, k session.SignedIn) {
		id, ok := d.changeableKeys(w, r, k, true)
		if !ok {
			return
		}
		removed := d.keyOf(r, k.User.ID, id)
		err := d.passkeys.RemoveCredential(r.Context(), k.User.ID, id)
		switch {
		case errors.Is(err, passkey.ErrLastMethod):
			d.renderKeys(w, r, k, http.StatusConflict, "", msgKeysLastMethod)
		case errors.Is(err, passkey.ErrCredentialNotFound):
			d.renderKeys(w, r, k, http.StatusNotFound, "", msgKeysNotFound)
		case err != nil:
			d.site.LogProblem(r, "key not removed", err, "user_id", k.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
		default:
			d.logger.InfoContext(r.Context(), "security key removed", "user_id", k.User.ID)
			d.tell.audit(r, iam.AuditKeyRemoved, k.User.ID, k.User.ID, map[string]string{"name": removed.Name})
			d.keyNotice(r, k.User, false, removed)
			doneRedirect(w, r, "removed")
		}
	})
}

// prefer serves POST /profile/keys/prefer with method webauthn
// (allowed with a usable key, passkey.CanPrefer) or email (back from
// WebAuthn to e-mail codes). The user is told by e-mail.
func (d *keyPages) prefer() http.Handler {
	return d.sess.RequireSignedIn(d.keysSignedOut(false), func(w http.ResponseWriter, r *http.Request, k session.SignedIn) {
		_, ok := d.changeableKeys(w, r, k, false)
		if !ok {
			return
		}
		ctx := r.Context()
		method := r.PostForm.Get("method")
		switch method {
		case storage.MFAWebAuthn:
		case storage.MFAEmail:
			if k.User.MFAMethod != storage.MFAWebAuthn {
				doneRedirect(w, r, "email")
				return
			}
		default:
			d.site.RenderProblem(w, r, web.ProbBadForm)
			return
		}
		u, err := d.passkeys.SetPreferred(ctx, k.User.ID, method)
		switch {
		case errors.Is(err, passkey.ErrNoCredentials):
			d.renderKeys(w, r, k, http.StatusConflict, "", msgKeysNoKeys)
			return
		case err != nil:
			d.site.LogProblem(r, "preferred method not changed", err, "user_id", k.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.logger.InfoContext(ctx, "preferred second factor changed", "user_id", u.ID, "method", method)
		d.tell.audit(r, iam.AuditMFAMethodChanged, u.ID, u.ID, map[string]string{"method": method, "previous_method": k.User.MFAMethod})
		d.tell.methodChanged(r, u, method, d.now())
		if method == storage.MFAWebAuthn {
			doneRedirect(w, r, "preferred")
			return
		}
		doneRedirect(w, r, "email")
	})
}

// ceremonyRefused logs a refused key registration and answers with a JSON
// error. The error text goes to the log only.
func (d *keyPages) ceremonyRefused(w http.ResponseWriter, r *http.Request, msg string, err error, userID string) {
	switch {
	case errors.Is(err, passkey.ErrSessionNotFound), errors.Is(err, passkey.ErrCeremonyFailed),
		errors.Is(err, passkey.ErrClone), errors.Is(err, passkey.ErrNoCredentials):
		d.logger.InfoContext(r.Context(), msg, "user_id", userID, "auth_request_id", "", "reason", err.Error())
		web.JSONError(w, http.StatusBadRequest, passkey.JSONErrFailed)
	default:
		d.site.LogProblem(r, "webauthn ceremony not checked", err, "user_id", userID, "auth_request_id", "")
		web.JSONError(w, http.StatusInternalServerError, passkey.JSONErrInternal)
	}
}
