package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// E-mail and SMS codes. A sign-in has one storage.OTPChallenge at a time,
// under an ID derived from the auth request (challengeID), so that the
// pages find it without keeping its ID anywhere. Sending a new code for
// the same sign-in uses mfa.Resend, which keeps the failure count, even
// when it switches from SMS to e-mail; only a challenge that is void
// (too many wrong codes) or used is replaced by a new one. Every send
// counts against the user's limit (MFAState.SendLog), and a send is
// recorded only once the message was handed over: nothing is saved when
// delivery fails.

// challengeID returns the ID of the login challenge of an auth request.
// It is a digest, so the auth request ID cannot be read back from it.
func challengeID(authRequestID string) string {
	return "otp_login_" + secret.DigestHex("gatehouse login otp\x00" + authRequestID)[:32]
}

// channelOf returns the delivery channel of an e-mail or SMS method.
func channelOf(method string) string {
	if method == storage.MFASMS {
		return storage.ChannelSMS
	}
	return storage.ChannelEmail
}

// boundTo reports whether c is the login challenge of this sign-in.
func boundTo(c storage.OTPChallenge, authRequestID, userID string) bool {
	return c.Purpose == storage.OTPLogin && c.AuthRequestID == authRequestID && c.UserID == userID
}

// sendCode sends a code for the sign-in by method (e-mail or SMS), with
// the limits and errors of issueCode.
func (d *factors) sendCode(ctx context.Context, ar storage.AuthRequest, u storage.User, method string) error {
	channel := channelOf(method)
	dest := u.Email
	if channel == storage.ChannelSMS {
		dest = u.Phone
	}
	return d.core.codes.Issue(ctx, codesend.Send{
		User: u,
		Want: storage.OTPChallenge{
			ID:            challengeID(ar.ID),
			UserID:        u.ID,
			AuthRequestID: ar.ID,
			Purpose:       storage.OTPLogin,
			Channel:       channel,
			Destination:   dest,
		},
		Resumes: func(old storage.OTPChallenge) bool { return boundTo(old, ar.ID, u.ID) },
		Deliver: func(ctx context.Context, code string) error { return d.deliver(ctx, u, channel, code) },
	})
}

// deliver composes the code message for the channel and hands it over.
func (d *factors) deliver(ctx context.Context, u storage.User, channel, code string) error {
	ttl := d.codeTTL
	if channel == storage.ChannelSMS {
		if d.texter == nil {
			return errors.New("no sms transport")
		}
		m, err := notify.Localize(d.messages, u.Locale).CodeSMS(u.Phone, code, ttl)
		if err != nil {
			return fmt.Errorf("compose sms: %w", err)
		}
		return d.texter.SendSMS(ctx, m)
	}
	m, err := notify.Localize(d.messages, u.Locale).CodeEmail(u.Email, u.Name(), code, ttl)
	if err != nil {
		return fmt.Errorf("compose e-mail: %w", err)
	}
	return d.mailer.SendEmail(ctx, m)
}

// logSendProblem logs why a code was not sent.
func (d *factors) logSendProblem(r *http.Request, err error, userID, method string) {
	var rl *mfa.RateLimitError
	switch {
	case errors.As(err, &rl):
		d.core.logger.InfoContext(r.Context(), "code not sent: rate limited", "user_id", userID, "method", method, "reason", rl.Reason, "retry_after", rl.RetryAfter)
	case errors.Is(err, notify.ErrDelivery):
		d.core.logger.WarnContext(r.Context(), "code not delivered", "user_id", userID, "method", method, "err", err)
	default:
		d.core.logger.ErrorContext(r.Context(), "code not sent", "user_id", userID, "method", method, "err", err)
	}
}

// verifyCode checks an e-mail or SMS code against the sign-in's
// challenge, after the lock, and counts it (mfa_limit.go). It returns the
// refusal (for the user) apart from storage faults. A wrong code is
// counted even though it is refused: the counts are written and the
// refusal reported outside the transactions. The challenge and the state
// are two records, so the user's checks are serialised to keep the count
// exact.
func (d *checks) verifyCode(ctx context.Context, ar storage.AuthRequest, u storage.User, method, code string) (guess, error) {
	unlock := d.core.codes.Lock(u.ID)
	defer unlock()
	now := d.core.now()
	channel := channelOf(method)
	st, err := d.core.codes.State(ctx, u.ID)
	if err != nil {
		return guess{}, err
	}
	if err := mfa.CheckLocked(&st); err != nil {
		return guess{refused: err, failures: st.FailuresSinceSuccess}, nil
	}
	var refused error
	guessed := false
	_, err = d.states.UpdateOTPChallenge(ctx, challengeID(ar.ID), func(c storage.OTPChallenge) (storage.OTPChallenge, error) {
		refused, guessed = nil, false
		if !boundTo(c, ar.ID, u.ID) || c.Channel != channel {
			refused = codesend.ErrNoChallenge
			return c, nil
		}
		before := c.Failures
		refused = mfa.Check(&c, d.pepper, code, d.codePolicy, now)
		guessed = c.Failures > before
		return c, nil // keep the failure count even when the code was wrong
	})
	if errors.Is(err, storage.ErrNotFound) {
		return guess{refused: codesend.ErrNoChallenge}, nil
	}
	if err != nil {
		return guess{}, fmt.Errorf("check code: %w", err)
	}
	g := guess{refused: refused}
	if refused != nil && !guessed {
		return g, nil
	}
	_, err = d.states.UpdateMFAState(ctx, u.ID, func(st storage.MFAState) (storage.MFAState, error) {
		g.verdict = d.factors.countGuess(&st, refused, guessed, now)
		g.failures = st.FailuresSinceSuccess
		st.UpdatedAt = now
		return st, nil
	})
	if err != nil {
		return guess{}, fmt.Errorf("count code: %w", err)
	}
	return g, nil
}

// handleSendPOST serves POST /login/mfa/send: it sends a new code by the
// posted method (e-mail or SMS) and shows its code page. When the limit
// is reached or delivery fails, the code page says so and nothing is
// saved.
func (d *codePages) handleSendPOST(w http.ResponseWriter, r *http.Request) {
	ar, binding, u, st, ok := d.core.atSecondFactor(w, r)
	if !ok || d.factors.lockedPage(w, r, st, ar.ID) {
		return
	}
	method := r.PostForm.Get("method")
	if method == "" {
		method = d.factors.primaryMethod(u, st)
	}
	if method == storage.MFATOTP || !d.factors.allowedMethod(u, st, method) {
		d.core.logger.InfoContext(r.Context(), "code send: method not allowed", "user_id", u.ID, "method", method, "auth_request_id", ar.ID)
		d.core.site.RenderProblem(w, r, web.ProbBadForm)
		return
	}
	err := d.factors.sendCode(r.Context(), ar, u, method)
	var rl *mfa.RateLimitError
	switch {
	case err == nil:
		d.core.logger.InfoContext(r.Context(), "code sent", "user_id", u.ID, "method", method, "auth_request_id", ar.ID)
		http.Redirect(w, r, urlFor(pathMFA, ar.ID, "method", method), http.StatusSeeOther)
	case errors.As(err, &rl):
		d.factors.logSendProblem(r, err, u.ID, method)
		d.renderCodePage(w, r, ar, binding, u, st, method, http.StatusTooManyRequests, codesend.WaitMessage(rl.RetryAfter))
	case errors.Is(err, codesend.ErrNotSent):
		d.factors.logSendProblem(r, err, u.ID, method)
		d.renderCodePage(w, r, ar, binding, u, st, method, http.StatusOK, msgDelivery)
	default:
		d.core.site.LogProblem(r, "code send failed", err, "user_id", u.ID, "method", method)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
	}
}

// renderCodePage shows the code page of method with an optional error.
// For e-mail and SMS it describes the sign-in's challenge: where the code
// went, or why no code can be entered (none sent, void, expired), when a
// new one can be requested, and the other ways to go on.
func (d *codePages) renderCodePage(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, u storage.User, st storage.MFAState, method string, status int, errMsg string) {
	ctx := r.Context()
	now := d.core.now()
	page := templates.CodePage{
		AuthRequestID: ar.ID,
		CSRFToken:     d.core.site.CSRFToken(loginCookie, binding),
		Client:        d.core.flow.Header(ctx, ar),
		Action:        pathMFA,
		Method:        method,
		TrustDevice:   d.devices.allowed(r, ar, u.ID),
		RecoveryURL:   urlFor(pathRecovery, ar.ID),
		Error:         errMsg,
	}
	if method == storage.MFATOTP {
		page.Heading = "Enter the code from your authenticator app"
		page.Instructions = "Open your authenticator app and enter the six-digit code it shows for " + d.totpIssuer + "."
	} else if method == storage.MFAEmail && d.factors.emailWithheld(u, st) {
		page.Heading = "Use your usual second step"
		page.HideCodeField = true
		page.Error = msgEmailWithheld
	} else {
		pol := d.codePolicy
		c, err := d.states.GetOTPChallenge(ctx, challengeID(ar.ID))
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			d.core.site.LogProblem(r, "otp challenge not loaded", err, "auth_request_id", ar.ID)
			d.core.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		has := err == nil && boundTo(c, ar.ID, u.ID) && c.Channel == channelOf(method) && c.UsedAt.IsZero()
		void := has && pol.MaxFailures > 0 && c.Failures >= pol.MaxFailures
		expired := has && !now.Before(c.ExpiresAt)
		page.ResendAction = pathMFASend
		if method == storage.MFASMS {
			page.Heading = "Check your phone"
			page.Instructions, page.InstructionsArg = "We sent a 6-digit code by text message to %s.", maskPhone(u.Phone)
			page.Notice = "SMS charges may apply."
		} else {
			page.Heading = "Check your e-mail"
			page.Instructions, page.InstructionsArg = "We sent a 6-digit code to %s.", maskEmail(u.Email)
		}
		switch {
		case !has:
			page.Instructions = ""
			page.HideCodeField = true
			page.ResendLabel = "Send a code"
			if page.Error == "" {
				page.Error = msgDelivery
			}
		case void:
			page.HideCodeField = true
			if page.Error == "" || page.Error == codesend.MsgWrongCode {
				page.Error = codesend.MsgVoidCode
			}
		case expired:
			page.HideCodeField = true
			if page.Error == "" {
				page.Error = codesend.MsgExpiredCode
			}
		}
		wait := time.Duration(0)
		if ok, w, _ := mfa.CanSend(st.SendLog, pol, now); !ok {
			wait = w
		}
		if has && !void {
			if ok, w, _ := mfa.CanSend(c.Sends, pol, now); !ok && w > wait {
				wait = w
			}
		}
		if wait > 0 {
			page.ResendWait = codesend.WaitMessage(wait)
			page.ResendWaitSeconds = int((wait + time.Second - 1) / time.Second)
			if !has && errMsg == "" {
				page.Error = codesend.MsgNoCode // the limit, not delivery, held it back
			}
		}
		primary := d.factors.primaryMethod(u, st)
		switch {
		case method == storage.MFASMS && !d.factors.emailWithheld(u, st):
			page.Alternatives = append(page.Alternatives, templates.Alternative{Label: "Send the code by e-mail instead", Action: pathMFASend, Method: storage.MFAEmail})
		case primary == storage.MFASMS:
			page.Alternatives = append(page.Alternatives, templates.Alternative{Label: "Send the code by text message instead", Action: pathMFASend, Method: storage.MFASMS})
		}
	}
	d.core.site.AllowFormTargets(w, d.core.callbackURL(ctx, ar.ID), ar.RedirectURI)
	d.core.site.Render(w, r, status, page)
}

// maskEmail hides most of the local part: "ada@example.com" becomes
// "a***@example.com".
func maskEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 1 {
		return "your e-mail address"
	}
	first := []rune(email[:at])[0]
	return string(first) + "***" + email[at:]
}

// maskPhone shows only the last digits of a phone number.
func maskPhone(phone string) string {
	if len(phone) < 4 {
		return "your phone"
	}
	return "the number ending in " + phone[len(phone)-2:]
}
