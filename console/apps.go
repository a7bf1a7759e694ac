package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// appsPageSize is the number of relying applications a page lists.
const appsPageSize = 20

// The values of the creation form's type select.
const (
	appConfidential = "confidential"
	appPublic       = "public"
)

// The console's messages for iam's refusals about relying applications.
// A bad name reuses the API clients' message: both are client names.
const (
	msgAppRedirects = "Enter each redirect URI on a line of its own, at most 20 and each once: an absolute https URL without a fragment (http only for localhost). An application that signs people in needs at least one."
	msgAppLogouts   = "Enter each post-logout redirect URI on a line of its own, at most 20 and each once: an absolute https URL without a fragment (http only for localhost)."
	msgAppPageURI   = "Enter an absolute https URL (http only for localhost), or leave the field empty."
	msgAppGrants    = "Choose at least one grant type; refresh_token needs authorization_code."
	msgAppAlg       = "Choose an ID-token algorithm: RS256, ES256, EdDSA or the server's default."
	msgAppType      = "Choose the type of the application: Confidential or Public."
	msgAppPublic    = "A public application has no secret to rotate."
	msgAppNotFound  = "This application does not exist or is not available to you."
)

// appFields maps the Field of an iam invalid error about an application
// to the message the page shows; the field is also the input's name.
var appFields = map[string]string{
	"name": msgClientName, "redirect_uris": msgAppRedirects, "post_logout_redirect_uris": msgAppLogouts,
	"logo_uri": msgAppPageURI, "client_uri": msgAppPageURI, "grant_types": msgAppGrants, "id_token_alg": msgAppAlg,
}

// appAlgs are the ID-token algorithms the forms offer, the server's
// default first, with their label keys.
var appAlgs = []templates.ConsoleChoice{
	{Value: "", Label: "The server's default"},
	{Value: iam.AlgRS256, Label: "RS256 (RSA signature)"},
	{Value: iam.AlgES256, Label: "ES256 (elliptic-curve signature, P-256)"},
	{Value: iam.AlgEdDSA, Label: "EdDSA (Ed25519 signature)"},
}

// appGrants are the grant types the forms offer, with their label keys.
var appGrants = []templates.ConsoleChoice{
	{Value: storage.GrantAuthorizationCode, Label: "authorization_code: people sign in through the application"},
	{Value: storage.GrantRefreshToken, Label: "refresh_token: the application renews its tokens without a new sign-in"},
}

// fillApps loads the applications tab: one page of the account's
// applications (iam.ListApplications, which decides who may see them)
// and the creation form, or with ?edit=ID the edit form of that
// application (iam.GetApplication).
func (v *view) fillApps(r *http.Request, st *state) error {
	q := r.URL.Query()
	apps, next, err := v.iam.ListApplications(r.Context(), v.actor(r, st.si), st.cur.Account.ID,
		storage.PageRequest{After: q.Get("after"), Limit: appsPageSize})
	if err != nil {
		return err
	}
	t := &st.page.Apps
	p := v.printer(r)
	for _, c := range apps {
		t.Apps = append(t.Apps, appRow(p, c))
	}
	if next != "" {
		t.NextURL = pathConsole + "?" + url.Values{"tab": {templates.ConsoleTabApps}, "after": {next}}.Encode()
	}
	t.Manage = iam.Allowed(st.cur.Role, iam.ActionManageApps)
	t.Algs, t.Grants = appAlgs, appGrants
	t.Form = templates.ConsoleAppForm{Grants: []string{storage.GrantAuthorizationCode, storage.GrantRefreshToken}}
	if id := q.Get("edit"); id != "" && t.Manage {
		c, err := v.iam.GetApplication(r.Context(), v.actor(r, st.si), id)
		if err != nil {
			pr := appProblem(err)
			if pr.internal != nil {
				return pr.internal
			}
			st.page.Error = pr.msg
			return nil
		}
		t.Form = appForm(c)
	}
	return nil
}

// appRow is the list's row of an application.
func appRow(p *i18n.Printer, c storage.Client) templates.ConsoleApp {
	return templates.ConsoleApp{ID: c.ID, Name: c.Name, Public: c.Public, RedirectURIs: c.RedirectURIs,
		PostLogoutURIs: c.PostLogoutRedirectURIs, Grants: c.GrantTypes, Alg: c.IDTokenAlg, RequirePKCE: c.RequirePKCE,
		LogoURI: c.LogoURI, ClientURI: c.ClientURI, Created: p.Date(c.CreatedAt)}
}

// appForm is the edit form of a stored application.
func appForm(c storage.Client) templates.ConsoleAppForm {
	return templates.ConsoleAppForm{ClientID: c.ID, Name: c.Name, RedirectURIs: strings.Join(c.RedirectURIs, "\n"),
		PostLogoutURIs: strings.Join(c.PostLogoutRedirectURIs, "\n"), Public: c.Public, Grants: c.GrantTypes,
		Alg: c.IDTokenAlg, RequirePKCE: c.RequirePKCE, LogoURI: c.LogoURI, ClientURI: c.ClientURI}
}

// appFormOf reads the creation or edit form as it was typed.
func appFormOf(f url.Values) templates.ConsoleAppForm {
	return templates.ConsoleAppForm{ClientID: f.Get("client"), Name: f.Get("name"), RedirectURIs: f.Get("redirect_uris"),
		PostLogoutURIs: f.Get("post_logout_redirect_uris"), Public: f.Get("type") == appPublic, Grants: f["grant_types"],
		Alg: f.Get("id_token_alg"), RequirePKCE: f.Get("require_pkce") == "yes", LogoURI: f.Get("logo_uri"),
		ClientURI: f.Get("client_uri")}
}

// lines splits a textarea into its non-empty lines, each trimmed of the
// spaces around it; nil when there are none.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// newApp is the iam input of the creation form, and false for a type
// other than the two the form offers, which iam is not asked about.
func newApp(f templates.ConsoleAppForm, typ string) (iam.NewClient, bool) {
	if typ != appConfidential && typ != appPublic {
		return iam.NewClient{}, false
	}
	return iam.NewClient{Name: f.Name, RedirectURIs: lines(f.RedirectURIs), PostLogoutRedirectURIs: lines(f.PostLogoutURIs),
		LogoURI: strings.TrimSpace(f.LogoURI), ClientURI: strings.TrimSpace(f.ClientURI), Public: f.Public,
		GrantTypes: f.Grants, IDTokenAlg: f.Alg, RequirePKCE: f.RequirePKCE}, true
}

// appUpdate is the iam input of the edit form: every field it shows.
func appUpdate(f templates.ConsoleAppForm) iam.ApplicationUpdate {
	redirects, logouts := lines(f.RedirectURIs), lines(f.PostLogoutURIs)
	logo, home := strings.TrimSpace(f.LogoURI), strings.TrimSpace(f.ClientURI)
	grants := append([]string{}, f.Grants...)
	return iam.ApplicationUpdate{Name: &f.Name, RedirectURIs: &redirects, PostLogoutRedirectURIs: &logouts,
		LogoURI: &logo, ClientURI: &home, GrantTypes: &grants, IDTokenAlg: &f.Alg, RequirePKCE: &f.RequirePKCE}
}

// appProblem maps an error of iam about an application to what the page
// shows: a bad field names its input, an unknown application says so.
func appProblem(err error) problem {
	p := problemOf(err)
	var ie *iam.Error
	if p.internal != nil || !errors.As(err, &ie) {
		return p
	}
	switch ie.Code {
	case iam.CodeInvalid:
		p.msg, p.field = msgInvalid, ""
		if ie.Field == "public" {
			p.msg = msgAppPublic
		} else if m, ok := appFields[ie.Field]; ok {
			p.msg, p.field = m, ie.Field
		}
	case iam.CodeNotFound:
		if ie.Field == "client_id" {
			p.msg = msgAppNotFound
		}
	case iam.CodeConflict:
		p.msg, p.field = msgInvalid, ""
	}
	return p
}
