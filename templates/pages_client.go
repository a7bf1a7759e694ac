package templates

// ClientHeader is the "Sign in to continue to <Name>" header of the
// sign-in pages: the relying party's display name and, when it has one,
// its logo. The zero value shows nothing.
type ClientHeader struct {
	// Name is the client's display name; the header is shown only when
	// it is set.
	Name string
	// LogoURL is an https URL of the client's logo, or empty. The page's
	// CSP allows its origin in img-src (see Imaged).
	LogoURL string
}

// Imaged is a page that shows images from other origins. web.Site.Render
// adds the origins of ImageURLs to the page's CSP img-src, and nothing
// else.
type Imaged interface {
	Page
	// ImageURLs returns the URLs of the page's images from other origins.
	ImageURLs() []string
}

// imageURLs returns the logo of h, if any, as a list.
func (h ClientHeader) imageURLs() []string {
	if h.Name == "" || h.LogoURL == "" {
		return nil
	}
	return []string{h.LogoURL}
}

// ImageURLs returns the client's logo, if any.
func (p EmailPage) ImageURLs() []string { return p.Client.imageURLs() }

// ImageURLs returns the client's logo, if any.
func (p PasswordPage) ImageURLs() []string { return p.Client.imageURLs() }

// ImageURLs returns the client's logo, if any.
func (p CodePage) ImageURLs() []string { return p.Client.imageURLs() }
