package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/gatehouse-id/gatehouse/i18n"
	"golang.org/x/text/language"
)

//go:embed templates
var templateFS embed.FS

// The message kinds with embedded templates. Each e-mail kind has
// templates/<kind>.txt defining "subject" and "text", and
// templates/<kind>.html defining "content" for templates/layout.html.
const (
	kindCode            = "code"
	kindVerifyEmail     = "verify_email"
	kindPasswordReset   = "password_reset"
	kindPasswordChanged = "password_changed"
	kindMFAChanged      = "mfa_changed"
	kindAccountLocked   = "account_locked"
	kindMFALocked       = "mfa_locked"
	kindResetSignIn     = "reset_signin"
	kindCodeSMS         = "code_sms"
)

// emailKinds lists the kinds that are e-mails, with a text and an HTML body.
var emailKinds = append([]string{kindCode, kindVerifyEmail, kindPasswordReset, kindPasswordChanged, kindMFAChanged, kindAccountLocked,
	kindMFALocked, kindResetSignIn}, append(securityKinds, accountKinds...)...)

// methodNames are the human names of the MFA methods, keys of the
// message catalogue.
var methodNames = map[string]string{
	"email":    "a code sent by e-mail",
	"sms":      "a code sent by text message",
	"totp":     "an authenticator app",
	"webauthn": "a security key or passkey",
	// Second steps that are not a preferred method (ResetSignInEmail).
	"recovery":       "a recovery code",
	"trusted_device": "a trusted device, which skipped the second step",
}

// Composer renders the messages Gatehouse sends from the embedded
// templates: the subject and plain-text body with text/template and the
// HTML body with html/template, in English or, through In and ForLocale,
// in another supported language. It is safe for concurrent use.
type Composer struct {
	product string
	// supportEmail and supportURL are the contact in every e-mail's
	// footer (WithSupport); empty means none.
	supportEmail, supportURL string
	printer                  *i18n.Printer
	// def is the language of a user without a (supported) saved locale.
	def   language.Tag
	langs map[language.Tag]func() (*langTemplates, error)
}

// langTemplates are the parsed templates of one language, by kind.
type langTemplates struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// common is the data every template gets.
type common struct {
	Product string
	Name    string
	Subject string
	// SupportEmail and SupportURL are the contact in the footer.
	SupportEmail, SupportURL string
}

// codeData is the data of the code, verify_email and code_sms templates.
type codeData struct {
	*common
	Code    string
	Minutes int
}

// resetData is the data of the password_reset template.
type resetData struct {
	*common
	Link    string
	Minutes int
}

// changedData is the data of the password_changed and mfa_changed
// templates.
type changedData struct {
	*common
	At     string
	Method string
}

// resetSignInData is the data of the reset_signin template.
type resetSignInData struct {
	*common
	ResetAt string
	At      string
	Method  string
}

// lockedData is the data of the account_locked template; an empty Until
// means an administrator must unlock the account.
type lockedData struct {
	*common
	Until string
}

// NewComposer parses every embedded template and checks that each message
// kind has all its parts. The product name, such as "Gatehouse", appears in
// subjects and bodies; it must not contain line breaks.
func NewComposer(product string) (*Composer, error) {
	if strings.TrimSpace(product) == "" || strings.ContainsAny(product, "\r\n") {
		return nil, fmt.Errorf("product name %q is empty or contains a line break", product)
	}
	langs := langParsers()
	// English is parsed now, so that a broken template stops start-up;
	// the other languages share its files and are parsed on first use.
	if _, err := langs[language.English](); err != nil {
		return nil, err
	}
	return &Composer{product: product, printer: i18n.New(language.English), def: language.English, langs: langs}, nil
}

// langParsers returns, for every language, the function that parses its
// templates once, on first use: they do not depend on the product name
// (it is template data) and are never changed after parsing, so every
// Composer shares them, and an idle server holds only the languages it
// has sent mail in.
var langParsers = sync.OnceValue(func() map[language.Tag]func() (*langTemplates, error) {
	langs := map[language.Tag]func() (*langTemplates, error){}
	for _, tag := range append(i18n.Supported(), i18n.Pseudo) {
		langs[tag] = sync.OnceValues(func() (*langTemplates, error) { return parseLang(i18n.New(tag)) })
	}
	return langs
})

// parseLang parses every template with the template functions of p's
// language.
func parseLang(p *i18n.Printer) (*langTemplates, error) {
	lt := &langTemplates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, kind := range slices.Concat(emailKinds, []string{kindCodeSMS}) {
		t, err := texttemplate.New(kind).Option("missingkey=error").Funcs(textFuncs(p)).ParseFS(templateFS, "templates/"+kind+".txt")
		if err != nil {
			return nil, fmt.Errorf("parse %s text template: %w", kind, err)
		}
		for _, name := range []string{"subject", "text"} {
			if t.Lookup(name) == nil {
				return nil, fmt.Errorf("%s text template does not define %q", kind, name)
			}
		}
		lt.text[kind] = t
	}
	for _, kind := range emailKinds {
		t, err := htmltemplate.New("layout.html").Funcs(htmlFuncs(p)).ParseFS(templateFS, "templates/layout.html", "templates/"+kind+".html")
		if err != nil {
			return nil, fmt.Errorf("parse %s html template: %w", kind, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("%s html template does not define %q", kind, "content")
		}
		lt.html[kind] = t
	}
	return lt, nil
}

// In returns a composer that renders the same messages in the supported
// language closest to tag (English when none is close).
func (c *Composer) In(tag language.Tag) *Composer {
	cc := *c
	cc.printer = i18n.New(tag)
	return &cc
}

// ForLocale returns a composer for a user's saved locale, such as "fr-CA";
// an empty or unsupported locale gives the default language
// (WithDefaultLanguage, English unless set).
func (c *Composer) ForLocale(locale string) *Composer {
	return c.In(i18n.Choose(nil, locale, "", c.def))
}

// WithDefaultLanguage returns a composer that renders in the supported
// language closest to tag, and gives it to users without a saved locale
// (server.default_language).
func (c *Composer) WithDefaultLanguage(tag language.Tag) *Composer {
	cc := c.In(tag)
	cc.def = cc.printer.Tag()
	return cc
}

// Localize returns m in the language of a user's saved locale when m can
// speak it (a *Composer behind the interface M), and m itself otherwise.
// The pages call it with the recipient's User.Locale, so that every
// message to a user is in their language.
func Localize[M any](m M, locale string) M {
	if c, ok := any(m).(*Composer); ok {
		if l, ok := any(c.ForLocale(locale)).(M); ok {
			return l
		}
	}
	return m
}

// Lang returns the language the composer renders in.
func (c *Composer) Lang() language.Tag { return c.printer.Tag() }

// templates returns the parsed templates of the composer's language. The
// files are English's, which NewComposer parsed, so another language only
// fails to parse if its catalogue functions do; it then falls back to
// English.
func (c *Composer) templates() *langTemplates {
	if parse, ok := c.langs[c.printer.Tag()]; ok {
		if lt, err := parse(); err == nil {
			return lt
		}
	}
	lt, _ := c.langs[language.English]()
	return lt
}

// date formats a time shown in a message, in UTC, in the composer's
// language.
func (c *Composer) date(t time.Time) string {
	return c.printer.Date(t)
}

// method returns the translated human name of a second-step method, or
// the method as given when it has none.
func (c *Composer) method(m string) string {
	if name, ok := methodNames[m]; ok {
		return c.printer.T(name)
	}
	return m
}

// CodeEmail renders the e-mail carrying a one-time sign-in code valid for
// validFor.
func (c *Composer) CodeEmail(to, toName, code string, validFor time.Duration) (Email, error) {
	cm := c.common(toName)
	return c.email(kindCode, to, cm, codeData{common: cm, Code: code, Minutes: minutes(validFor)})
}

// VerifyEmail renders the e-mail carrying the code that proves the
// recipient owns the address; the code is valid for validFor.
func (c *Composer) VerifyEmail(to, toName, code string, validFor time.Duration) (Email, error) {
	cm := c.common(toName)
	return c.email(kindVerifyEmail, to, cm, codeData{common: cm, Code: code, Minutes: minutes(validFor)})
}

// PasswordResetEmail renders the e-mail carrying the password reset link,
// which is valid for validFor.
func (c *Composer) PasswordResetEmail(to, toName, link string, validFor time.Duration) (Email, error) {
	if !strings.HasPrefix(link, "https://") && !strings.HasPrefix(link, "http://") {
		return Email{}, fmt.Errorf("password reset link is not an http or https url: %w", ErrInvalid)
	}
	cm := c.common(toName)
	return c.email(kindPasswordReset, to, cm, resetData{common: cm, Link: link, Minutes: minutes(validFor)})
}

// PasswordChangedEmail renders the notice that the password was changed at
// the given time.
func (c *Composer) PasswordChangedEmail(to, toName string, at time.Time) (Email, error) {
	cm := c.common(toName)
	return c.email(kindPasswordChanged, to, cm, changedData{common: cm, At: c.date(at)})
}

// MFAChangedEmail renders the notice that the preferred MFA method was
// changed at the given time to method, one of "email", "sms", "totp" or
// "webauthn" (any other value is shown as given).
func (c *Composer) MFAChangedEmail(to, toName, method string, at time.Time) (Email, error) {
	cm := c.common(toName)
	return c.email(kindMFAChanged, to, cm, changedData{common: cm, At: c.date(at), Method: c.method(method)})
}

// AccountLockedEmail renders the notice that the account was locked after
// too many failed sign-ins, until the given time; a zero until says an
// administrator must unlock it.
func (c *Composer) AccountLockedEmail(to, toName string, until time.Time) (Email, error) {
	d := lockedData{common: c.common(toName)}
	if !until.IsZero() {
		d.Until = c.date(until)
	}
	return c.email(kindAccountLocked, to, d.common, d)
}

// MFALockedEmail renders the notice that the second factor was locked at
// the given time after too many wrong codes, and how to unlock it (a
// password reset or the administrator).
func (c *Composer) MFALockedEmail(to, toName string, at time.Time) (Email, error) {
	cm := c.common(toName)
	return c.email(kindMFALocked, to, cm, changedData{common: cm, At: c.date(at)})
}

// ResetSignInEmail renders the follow-up of a password reset: the first
// sign-in after the reset at resetAt completed at at with the second step
// method (a method of MFAChangedEmail, "recovery" or "trusted_device"; any
// other value is shown as given).
func (c *Composer) ResetSignInEmail(to, toName, method string, resetAt, at time.Time) (Email, error) {
	cm := c.common(toName)
	return c.email(kindResetSignIn, to, cm, resetSignInData{common: cm, ResetAt: c.date(resetAt),
		At: c.date(at), Method: c.method(method)})
}

// CodeSMS renders the text message carrying a one-time sign-in code valid
// for validFor.
func (c *Composer) CodeSMS(to, code string, validFor time.Duration) (SMS, error) {
	var b bytes.Buffer
	d := codeData{common: c.common(""), Code: code, Minutes: minutes(validFor)}
	if err := c.templates().text[kindCodeSMS].ExecuteTemplate(&b, "text", d); err != nil {
		return SMS{}, fmt.Errorf("render %s: %w", kindCodeSMS, err)
	}
	m := SMS{To: to, Body: b.String()}
	if err := validateSMS(m); err != nil {
		return SMS{}, err
	}
	return m, nil
}

// common returns the shared template data for a recipient name.
func (c *Composer) common(name string) *common {
	return &common{Product: c.product, Name: name, SupportEmail: c.supportEmail, SupportURL: c.supportURL}
}

// WithSupport returns a composer whose e-mails end with a support contact:
// an e-mail address, a URL, or both (branding.support_email and
// branding.support_url). Neither may contain a line break or a space.
func (c *Composer) WithSupport(email, url string) (*Composer, error) {
	for _, v := range []string{email, url} {
		if strings.ContainsAny(v, " \t\r\n") {
			return nil, fmt.Errorf("support contact %q contains a space or a line break: %w", v, ErrInvalid)
		}
	}
	cc := *c
	cc.supportEmail, cc.supportURL = email, url
	return &cc, nil
}

// supportLine returns the plain-text footer with the support contact, or
// "" when there is none.
func (c *Composer) supportLine() string {
	var contacts []string
	for _, v := range []string{c.supportEmail, c.supportURL} {
		if v != "" {
			contacts = append(contacts, v)
		}
	}
	if len(contacts) == 0 {
		return ""
	}
	return "\n" + c.printer.T("Need help?") + " " + strings.Join(contacts, " · ") + "\n"
}

// email renders kind's subject, then its text and HTML bodies with the
// subject filled in, and checks the result as a sender would.
func (c *Composer) email(kind, to string, cm *common, data any) (Email, error) {
	if strings.ContainsAny(cm.Name, "\r\n") {
		return Email{}, fmt.Errorf("recipient name contains a line break: %w", ErrInvalid)
	}
	t := c.templates().text[kind]
	var subject, text, html bytes.Buffer
	if err := t.ExecuteTemplate(&subject, "subject", data); err != nil {
		return Email{}, fmt.Errorf("render %s subject: %w", kind, err)
	}
	cm.Subject = strings.TrimSpace(subject.String())
	if err := t.ExecuteTemplate(&text, "text", data); err != nil {
		return Email{}, fmt.Errorf("render %s text: %w", kind, err)
	}
	if err := c.templates().html[kind].ExecuteTemplate(&html, "layout.html", data); err != nil {
		return Email{}, fmt.Errorf("render %s html: %w", kind, err)
	}
	text.WriteString(c.supportLine())
	m := Email{To: to, ToName: cm.Name, Subject: cm.Subject, Text: text.String(), HTML: html.String(), Kind: kind}
	if err := validateEmail(m); err != nil {
		return Email{}, err
	}
	return m, nil
}

// minutes rounds d to whole minutes, at least one.
func minutes(d time.Duration) int {
	return max(1, int(d.Round(time.Minute)/time.Minute))
}
