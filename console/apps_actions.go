package console

import (
	"net/http"

	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// appPages serves the applications tab's actions. A secret is written
// only into the answer of the POST that made it, never into a URL, a
// redirect or a log line; the page is no-store (web.Site.Page).
type appPages struct {
	*base
	page *view
}

// create serves POST /console/apps (iam.CreateApplication): the answer
// shows the new application's client ID and, for a confidential one,
// its secret, once. A refusal shows the form again with what was typed.
func (d *appPages) create() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		in := appFormOf(r.PostForm)
		in.ClientID = ""
		nc, ok := newApp(in, r.PostForm.Get("type"))
		if !ok {
			d.refuseForm(w, r, si, problem{status: http.StatusUnprocessableEntity, msg: msgAppType, field: "type", reason: "invalid:type"}, in)
			return
		}
		c, clientSecret, err := d.iam.CreateApplication(r.Context(), d.actor(r, si), r.PostForm.Get("account"), nc)
		if err != nil && c.ID == "" {
			d.refuseForm(w, r, si, appProblem(err), in)
			return
		}
		if err != nil {
			// Created; only its audit record failed. The secret is in force.
			d.site.LogProblem(r, "console application created with an error", err, "user_id", si.User.ID, "client_id", c.ID)
		}
		d.logger.InfoContext(r.Context(), "console application created", "user_id", si.User.ID, "account_id", c.AccountID,
			"client_id", c.ID, "public", c.Public)
		d.showSecret(w, r, si, c, clientSecret, false)
	})
}

// update serves POST /console/apps/update (iam.UpdateApplication) with
// every field of the edit form. A refusal shows the edit form again with
// what was typed.
func (d *appPages) update() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		in := appFormOf(r.PostForm)
		c, err := d.iam.UpdateApplication(r.Context(), d.actor(r, si), in.ClientID, appUpdate(in))
		if err != nil {
			// The type cannot change: the form shows the stored one. An
			// application the user cannot read gets no form back.
			stored, gerr := d.iam.GetApplication(r.Context(), d.actor(r, si), in.ClientID)
			if gerr != nil {
				d.page.refuse(w, r, si, templates.ConsoleTabApps, appProblem(err))
				return
			}
			in.Public = stored.Public
			d.refuseForm(w, r, si, appProblem(err), in)
			return
		}
		d.logger.InfoContext(r.Context(), "console application updated", "user_id", si.User.ID, "client_id", c.ID)
		http.Redirect(w, r, tabPath(templates.ConsoleTabApps, "app_updated"), http.StatusSeeOther)
	})
}

// refuseForm shows a refusal of the creation or edit form with what was
// typed; a refusal that is not about a field of it (a role that may not)
// shows the tab as it is.
func (d *appPages) refuseForm(w http.ResponseWriter, r *http.Request, si session.SignedIn, p problem, in templates.ConsoleAppForm) {
	d.page.refuse(w, r, si, templates.ConsoleTabApps, p, func(pg *templates.ConsolePage) {
		if pg.Tab == templates.ConsoleTabApps {
			pg.Apps.Form = in
		}
	})
}

// showSecret renders the applications tab with an application's client
// ID and secret, which are shown this once.
func (d *appPages) showSecret(w http.ResponseWriter, r *http.Request, si session.SignedIn, c storage.Client, clientSecret string, rotated bool) {
	d.page.render(w, r, si, http.StatusOK, templates.ConsoleTabApps, func(p *templates.ConsolePage) {
		p.Apps.Secret = &templates.ConsoleAppSecret{ID: c.ID, Name: c.Name, Secret: clientSecret, Rotated: rotated}
	})
}

// rotate serves POST /console/apps/rotate. Without confirm=yes it asks to
// confirm and changes nothing; with it the application gets a new secret
// (iam.RotateApplicationSecret), shown once, and the old one fails.
func (d *appPages) rotate() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		id := r.PostForm.Get("client")
		if r.PostForm.Get("confirm") != "yes" {
			d.confirm(w, r, si, id, false)
			return
		}
		c, clientSecret, err := d.iam.RotateApplicationSecret(r.Context(), d.actor(r, si), id)
		if err != nil && clientSecret == "" {
			d.page.refuse(w, r, si, templates.ConsoleTabApps, appProblem(err))
			return
		}
		if err != nil {
			d.site.LogProblem(r, "console application secret rotated with an error", err, "user_id", si.User.ID, "client_id", c.ID)
		}
		d.logger.InfoContext(r.Context(), "console application secret rotated", "user_id", si.User.ID, "client_id", c.ID)
		d.showSecret(w, r, si, c, clientSecret, true)
	})
}

// remove serves POST /console/apps/delete. Without confirm=yes it asks to
// confirm and changes nothing; with it the application is deleted
// (iam.DeleteApplication).
func (d *appPages) remove() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		id := r.PostForm.Get("client")
		if r.PostForm.Get("confirm") != "yes" {
			d.confirm(w, r, si, id, true)
			return
		}
		if err := d.iam.DeleteApplication(r.Context(), d.actor(r, si), id); err != nil {
			d.page.refuse(w, r, si, templates.ConsoleTabApps, appProblem(err))
			return
		}
		d.logger.InfoContext(r.Context(), "console application deleted", "user_id", si.User.ID, "client_id", id)
		http.Redirect(w, r, tabPath(templates.ConsoleTabApps, "app_deleted"), http.StatusSeeOther)
	})
}

// confirm renders the applications tab asking to confirm the rotation or
// deletion of the application id, which the user must be able to read.
func (d *appPages) confirm(w http.ResponseWriter, r *http.Request, si session.SignedIn, id string, del bool) {
	c, err := d.iam.GetApplication(r.Context(), d.actor(r, si), id)
	if err != nil {
		d.page.refuse(w, r, si, templates.ConsoleTabApps, appProblem(err))
		return
	}
	d.page.render(w, r, si, http.StatusOK, templates.ConsoleTabApps, func(p *templates.ConsolePage) {
		p.Apps.Confirm = &templates.ConsoleAppConfirm{ID: c.ID, Name: c.Name, Delete: del}
	})
}
