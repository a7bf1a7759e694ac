package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// clientPages serves the API clients tab's actions. A secret is written
// only into the answer of the POST that made it, never into a URL, a
// redirect or a log line; the page is no-store (web.Site.Page).
type clientPages struct {
	*base
	page *view
}

// create serves POST /console/clients (iam.CreateAPIClient): the answer
// shows the new client's ID and its secret, once. A refusal shows the
// form again with what was typed.
func (d *clientPages) create() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		f := r.PostForm
		in := templates.ConsoleNewClient{Name: f.Get("name"), Type: f.Get("type"), Lifetime: f.Get("lifetime"), Scopes: f.Get("scopes")}
		var c storage.Client
		var clientSecret string
		lifetime, err := iam.ParseLifetime(in.Lifetime)
		if err == nil {
			c, clientSecret, err = d.iam.CreateAPIClient(r.Context(), d.actor(r, si), f.Get("account"), iam.NewAPIClient{
				Name: in.Name, Type: storage.APIClientType(in.Type), Lifetime: lifetime, Scopes: strings.Fields(in.Scopes)})
		}
		if err != nil && clientSecret == "" {
			p := clientProblem(err)
			d.page.refuse(w, r, si, templates.ConsoleTabClients, p, func(pg *templates.ConsolePage) {
				pg.Clients.New = in
				if p.status == http.StatusForbidden && pg.Tab == templates.ConsoleTabClients && !offered(pg.Clients.Types, in.Type) {
					pg.Error, pg.ErrorField = msgClientTypeRole, "type"
				}
			})
			return
		}
		if err != nil {
			// Created; only its audit record failed. The secret is in force.
			d.site.LogProblem(r, "console api client created with an error", err, "user_id", si.User.ID, "client_id", c.ID)
		}
		d.logger.InfoContext(r.Context(), "console api client created", "user_id", si.User.ID, "account_id", c.AccountID,
			"client_id", c.ID, "type", string(c.API.Type))
		d.showSecret(w, r, si, c, clientSecret, false)
	})
}

// offered reports whether value is one of the choices.
func offered(choices []templates.ConsoleChoice, value string) bool {
	return slices.ContainsFunc(choices, func(c templates.ConsoleChoice) bool { return c.Value == value })
}

// showSecret renders the API clients tab with a client's secret, which
// is shown this once.
func (d *clientPages) showSecret(w http.ResponseWriter, r *http.Request, si session.SignedIn, c storage.Client, clientSecret string, rotated bool) {
	d.page.render(w, r, si, http.StatusOK, templates.ConsoleTabClients, func(p *templates.ConsolePage) {
		p.Clients.Secret = &templates.ConsoleClientSecret{ID: c.ID, Name: c.Name, Secret: clientSecret, Rotated: rotated}
	})
}

// rotate serves POST /console/clients/rotate. Without confirm=yes it asks
// to confirm and changes nothing; with it the client gets a new secret
// (iam.RotateAPIClientSecret), shown once, and the old one fails.
func (d *clientPages) rotate() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		id := r.PostForm.Get("client")
		if r.PostForm.Get("confirm") != "yes" {
			d.confirm(w, r, si, id, false)
			return
		}
		c, clientSecret, err := d.iam.RotateAPIClientSecret(r.Context(), d.actor(r, si), id)
		if err != nil && clientSecret == "" {
			d.refuse(w, r, si, id, err)
			return
		}
		if err != nil {
			d.site.LogProblem(r, "console api client secret rotated with an error", err, "user_id", si.User.ID, "client_id", c.ID)
		}
		d.logger.InfoContext(r.Context(), "console api client secret rotated", "user_id", si.User.ID, "client_id", c.ID)
		d.showSecret(w, r, si, c, clientSecret, true)
	})
}

// setEnabled serves POST /console/clients/enabled: enabled=yes enables
// the client, anything else disables it (iam.SetAPIClientEnabled).
func (d *clientPages) setEnabled() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		id, on := r.PostForm.Get("client"), r.PostForm.Get("enabled") == "yes"
		if _, err := d.iam.SetAPIClientEnabled(r.Context(), d.actor(r, si), id, on); err != nil {
			d.refuse(w, r, si, id, err)
			return
		}
		done := "client_disabled"
		if on {
			done = "client_enabled"
		}
		d.logger.InfoContext(r.Context(), "console api client enabled", "user_id", si.User.ID, "client_id", id, "enabled", on)
		http.Redirect(w, r, tabPath(templates.ConsoleTabClients, done), http.StatusSeeOther)
	})
}

// setLocked serves POST /console/clients/lock: locked=yes locks the
// client, anything else unlocks it (iam.UpdateAPIClient).
func (d *clientPages) setLocked() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		id, locked := r.PostForm.Get("client"), r.PostForm.Get("locked") == "yes"
		if _, err := d.iam.UpdateAPIClient(r.Context(), d.actor(r, si), id, iam.APIClientUpdate{Locked: &locked}); err != nil {
			d.refuse(w, r, si, id, err)
			return
		}
		done := "client_unlocked"
		if locked {
			done = "client_locked"
		}
		d.logger.InfoContext(r.Context(), "console api client locked", "user_id", si.User.ID, "client_id", id, "locked", locked)
		http.Redirect(w, r, tabPath(templates.ConsoleTabClients, done), http.StatusSeeOther)
	})
}

// remove serves POST /console/clients/delete. Without confirm=yes it
// asks to confirm and changes nothing; with it the client is deleted
// (iam.DeleteAPIClient).
func (d *clientPages) remove() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		id := r.PostForm.Get("client")
		if r.PostForm.Get("confirm") != "yes" {
			d.confirm(w, r, si, id, true)
			return
		}
		if err := d.iam.DeleteAPIClient(r.Context(), d.actor(r, si), id); err != nil {
			d.refuse(w, r, si, id, err)
			return
		}
		d.logger.InfoContext(r.Context(), "console api client deleted", "user_id", si.User.ID, "client_id", id)
		http.Redirect(w, r, tabPath(templates.ConsoleTabClients, "client_deleted"), http.StatusSeeOther)
	})
}

// confirm renders the API clients tab asking to confirm the rotation or
// deletion of the client id, which the user must be able to read.
func (d *clientPages) confirm(w http.ResponseWriter, r *http.Request, si session.SignedIn, id string, del bool) {
	c, err := d.iam.GetAPIClient(r.Context(), d.actor(r, si), id)
	if err != nil {
		d.page.refuse(w, r, si, templates.ConsoleTabClients, clientProblem(err))
		return
	}
	d.page.render(w, r, si, http.StatusOK, templates.ConsoleTabClients, func(p *templates.ConsolePage) {
		p.Clients.Confirm = &templates.ConsoleClientConfirm{ID: c.ID, Name: c.Name, Delete: del}
	})
}

// refuse shows iam's refusal of an action on the client id. A refusal of
// a locked client the user may read says that it is locked.
func (d *clientPages) refuse(w http.ResponseWriter, r *http.Request, si session.SignedIn, id string, err error) {
	p := clientProblem(err)
	if p.internal == nil && p.status == http.StatusForbidden {
		if c, gerr := d.iam.GetAPIClient(r.Context(), d.actor(r, si), id); gerr == nil && c.API.Locked {
			p.msg = msgClientLocked
		}
	}
	d.page.refuse(w, r, si, templates.ConsoleTabClients, p)
}
