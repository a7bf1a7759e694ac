package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// recoveryCodesAfter runs after a second factor passed. For a user
// without recovery codes (MFA is being set up), it creates
// mfa.RecoveryCodeCount of them and returns them in clear, to be shown
// once; otherwise it returns no codes and how many unused ones remain.
func (d *finishPages) recoveryCodesAfter(ctx context.Context, userID string) (plain []string, remaining int, err error) {
	now := d.core.now()
	_, err = d.states.UpdateMFAState(ctx, userID, func(st storage.MFAState) (storage.MFAState, error) {
		plain = nil
		remaining = mfa.RemainingRecoveryCodes(&st)
		if len(st.RecoveryCodes) > 0 {
			return st, nil
		}
		var codes []storage.RecoveryCode
		plain, codes = mfa.NewRecoveryCodes()
		st.RecoveryCodes = codes
		st.UpdatedAt = now
		remaining = len(codes)
		return st, nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("create recovery codes: %w", err)
	}
	return plain, remaining, nil
}

// showNewRecoveryCodes runs after a second factor passed and the
// sign-in's progress is saved: for a user without recovery codes it
// creates them and renders them once (their Continue posts to pathFinish)
// and reports shown. Otherwise it renders nothing and returns how many
// codes remain. A failure to create codes is logged and the sign-in goes
// on; the user gets codes on a later sign-in.
func (d *finishPages) showNewRecoveryCodes(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding, userID string) (shown bool, remaining int) {
	ctx := r.Context()
	plain, remaining, err := d.recoveryCodesAfter(ctx, userID)
	if err != nil {
		d.core.site.LogProblem(r, "recovery codes not created", err, "user_id", userID)
	}
	if len(plain) == 0 {
		return false, remaining
	}
	d.core.logger.InfoContext(ctx, "recovery codes created", "user_id", userID, "count", len(plain))
	d.core.site.AllowFormTargets(w, d.core.callbackURL(ctx, ar.ID), ar.RedirectURI)
	d.core.site.Render(w, r, http.StatusOK, templates.RecoveryCodesPage{
		AuthRequestID: ar.ID,
		CSRFToken:     d.core.site.CSRFToken(loginCookie, binding),
		Action:        pathFinish,
		Codes:         plain,
	})
	return true, remaining
}

// remainingPage is the interstitial after a recovery code was used.
func remainingPage(authRequestID, csrf string, remaining int) templates.ContinuePage {
	p := templates.ContinuePage{
		AuthRequestID: authRequestID,
		CSRFToken:     csrf,
		Action:        pathFinish,
		Heading:       "Recovery code accepted",
	}
	if remaining == 0 {
		p.Message = "You have no recovery codes left."
		p.Next = "Create new recovery codes on the Security tab of your profile now, or you may be locked out."
		return p
	}
	p.Message, p.MessageArg = "You have %d recovery codes left.", remaining
	if remaining <= 3 {
		p.Next = "Create new recovery codes on the Security tab of your profile soon."
	}
	return p
}

// handleRecoveryForm serves GET /login/mfa/recovery, where a recovery
// code stands in for the second factor.
func (d *codePages) handleRecoveryForm(w http.ResponseWriter, r *http.Request) {
	ar, binding, _, st, ok := d.core.atSecondFactor(w, r)
	if !ok || d.factors.lockedPage(w, r, st, ar.ID) {
		return
	}
	d.renderRecovery(w, r, ar, binding, http.StatusOK, "")
}

func (d *codePages) renderRecovery(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, status int, msg string) {
	d.core.site.AllowFormTargets(w, d.core.callbackURL(r.Context(), ar.ID), ar.RedirectURI)
	d.core.site.Render(w, r, status, templates.RecoveryPage{
		AuthRequestID: ar.ID,
		CSRFToken:     d.core.site.CSRFToken(loginCookie, binding),
		Action:        pathRecovery,
		BackURL:       urlFor(pathMFA, ar.ID),
		Error:         msg,
	})
}

// handleRecoveryPOST serves POST /login/mfa/recovery: it spends one
// recovery code, after the per-user attempt limit, and tells the user how
// many remain before the sign-in completes.
func (d *codePages) handleRecoveryPOST(w http.ResponseWriter, r *http.Request) {
	ar, binding, u, _, ok := d.core.atSecondFactor(w, r)
	if !ok {
		return
	}
	g, err := d.checks.useRecoveryCode(r.Context(), u.ID, r.PostForm.Get("code"))
	if err != nil {
		d.core.site.LogProblem(r, "recovery code not checked", err, "user_id", u.ID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if refused := g.refused; refused != nil {
		d.factors.logRefused(r, u.ID, mfa.MethodRecovery, ar.ID, refused)
		if d.factors.afterGuess(w, r, ar, u, mfa.MethodRecovery, g) {
			return
		}
		msg := msgWrongRecovery
		switch {
		case isRateLimit(refused):
			msg = codesend.RefusalMessage(refused)
		case errors.Is(refused, mfa.ErrMalformedCode):
			msg = msgBadRecovery
		}
		d.renderRecovery(w, r, ar, binding, http.StatusOK, msg)
		return
	}
	d.core.audit(r, iam.AuditRecoveryCodeUsed, u.ID, u.ID, map[string]string{"client_id": ar.ClientID})
	d.finish.secondFactorPassed(w, r, ar, binding, u, mfa.MethodRecovery, false)
}

// useRecoveryCode spends one recovery code of the user as the second
// factor (checkStoredFactor). A wrong or used code is counted even though
// it is refused.
func (d *checks) useRecoveryCode(ctx context.Context, userID, code string) (guess, error) {
	g, err := d.checkStoredFactor(ctx, userID, func(st *storage.MFAState, now time.Time) error {
		_, err := mfa.UseRecoveryCode(st, code, now)
		return err
	})
	if err != nil {
		return guess{}, fmt.Errorf("check recovery code: %w", err)
	}
	return g, nil
}

// checks checks the second-factor codes: e-mail and SMS codes
// (mfa_code.go), authenticator app codes (mfa_totp.go) and recovery codes,
// each after the lock and limits, and counts the guesses (mfa_limit.go).
type checks struct {
	core          *core
	factors       *factors
	states        storage.MFA
	pepper        []byte
	codePolicy    mfa.CodePolicy
	attemptPolicy mfa.AttemptPolicy
	sealer        *secret.Sealer
}

// checkStoredFactor checks a second factor kept in the user's MFA state
// (a TOTP code, a recovery code) with check, after the lock and the
// per-user attempt limit, and counts the guess (mfa_limit.go), all in one
// transaction under the user's lock. The state check changes is written
// whether or not the code was refused, so that a failure is kept.
func (d *checks) checkStoredFactor(ctx context.Context, userID string, check func(st *storage.MFAState, now time.Time) error) (guess, error) {
	unlock := d.core.codes.Lock(userID)
	defer unlock()
	now := d.core.now()
	var g guess
	_, err := d.states.UpdateMFAState(ctx, userID, func(st storage.MFAState) (storage.MFAState, error) {
		g = guess{refused: mfa.CheckLocked(&st)}
		if g.refused == nil {
			g.refused = d.attemptPolicy.Allow(&st, now)
		}
		if g.refused == nil {
			g.refused = check(&st, now)
			g.verdict = d.factors.countGuess(&st, g.refused, isGuess(g.refused), now)
		}
		g.failures = st.FailuresSinceSuccess
		st.UpdatedAt = now
		return st, nil
	})
	return g, err
}

// isRateLimit reports whether err is a per-user attempt or send limit.
func isRateLimit(err error) bool {
	var rl *mfa.RateLimitError
	return errors.As(err, &rl)
}
