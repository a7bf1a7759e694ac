package authreq

import (
	"context"
	"net/url"
	"strings"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// maxLogoURLLength bounds the logo URL put into a page and its CSP.
const maxLogoURLLength = 2048

// ClientReader reads a registered client; storage.Clients implements it.
type ClientReader interface {
	// GetClient returns the client or storage.ErrNotFound.
	GetClient(ctx context.Context, id string) (storage.Client, error)
}

// Header returns the "Sign in to continue to <name>" header of the
// sign-in pages for client c: its display name, and its logo when the
// logo URL is an absolute https URL without user information (anything
// else shows the name alone). A client without a name has no header.
func Header(c storage.Client) templates.ClientHeader {
	name := strings.TrimSpace(c.Name)
	if name == "" {
		return templates.ClientHeader{}
	}
	return templates.ClientHeader{Name: name, LogoURL: logoURL(c.LogoURI)}
}

// logoURL returns raw when it may be shown as a logo: https, with a host
// that is a valid CSP source, no user information, and of a sane length.
func logoURL(raw string) string {
	if raw == "" || len(raw) > maxLogoURLLength {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Fragment != "" {
		return ""
	}
	if src := web.CSPSource(raw); !strings.HasPrefix(src, "https://") {
		return ""
	}
	return u.String()
}

// StartAgain returns where "Start again at <app>" leads for client c and
// the redirect URI of its auth request, and the name to show: the
// client's home page (ClientURI) when it is an http(s) URL, else the
// origin of redirectURI; the name is the client's display name, else the
// host of the link. Both are empty when there is no such web address (a
// native app's redirect URI).
func StartAgain(c storage.Client, redirectURI string) (link, name string) {
	link = webURL(c.ClientURI)
	if link == "" {
		if origin := web.CSPSource(redirectURI); strings.HasPrefix(origin, "http") {
			link = origin + "/"
		}
	}
	if link == "" {
		return "", ""
	}
	name = strings.TrimSpace(c.Name)
	if name == "" {
		u, _ := url.Parse(link)
		name = u.Host
	}
	return link, name
}

// webURL returns raw when it is an absolute http or https URL with a host
// and no user information, else "".
func webURL(raw string) string {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.String()
}

// client returns the auth request's client, or the zero Client when it
// is unknown or Clients is nil.
func (f *Flow) client(ctx context.Context, ar storage.AuthRequest) storage.Client {
	if f.Clients == nil || ar.ClientID == "" {
		return storage.Client{}
	}
	c, err := f.Clients.GetClient(ctx, ar.ClientID)
	if err != nil {
		return storage.Client{}
	}
	return c
}

// Header returns the client header of the sign-in pages of ar (see the
// function Header); none when the client is unknown.
func (f *Flow) Header(ctx context.Context, ar storage.AuthRequest) templates.ClientHeader {
	return Header(f.client(ctx, ar))
}

// StartAgain returns the "Start again at <app>" link and name of ar's
// client (see the function StartAgain); both empty when unknown.
func (f *Flow) StartAgain(ctx context.Context, ar storage.AuthRequest) (link, name string) {
	if ar.ClientID == "" {
		return "", ""
	}
	return StartAgain(f.client(ctx, ar), ar.RedirectURI)
}
