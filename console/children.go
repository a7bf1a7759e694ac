package console

import (
	"net/http"
	"net/url"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// childrenPageSize is the number of child accounts a page lists.
const childrenPageSize = 50

// fillChildren loads the Child accounts tab: one page of children
// (iam.ListChildren) and the creation form.
func (v *view) fillChildren(r *http.Request, st *state) error {
	kids, next, err := v.iam.ListChildren(r.Context(), v.actor(r, st.si), st.cur.Account.ID,
		storage.PageRequest{After: r.URL.Query().Get("after"), Limit: childrenPageSize})
	if err != nil {
		return err
	}
	t := &st.page.Accounts
	for _, k := range kids {
		t.Children = append(t.Children, templates.ConsoleChild{ID: k.Account.ID, Name: k.Account.Name,
			Status: statusLabel(k.Account.Status), Role: roleLabel(k.Role)})
	}
	if next != "" {
		t.NextURL = pathConsole + "?" + url.Values{"tab": {templates.ConsoleTabAccounts}, "after": {next}}.Encode()
	}
	t.AtLimit = st.cur.Account.Depth() >= storage.MaxAccountDepth
	t.Types = typeChoices()
	t.New.Type = string(storage.AccountIndividual)
	return nil
}

// create serves POST /console/children: a child of the account with the
// user as its Owner (iam.CreateChildAccount). A refusal, such as the
// depth limit, shows the form again with what was typed.
func (d *childPages) create() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		f := r.PostForm
		in := templates.ConsoleNewChild{Name: f.Get("name"), Email: f.Get("email"), Type: f.Get("type")}
		a, err := d.iam.CreateChildAccount(r.Context(), d.actor(r, si), f.Get("account"),
			iam.NewAccount{Name: in.Name, Email: in.Email, Type: storage.AccountType(in.Type)})
		if err != nil {
			d.page.refuse(w, r, si, templates.ConsoleTabAccounts, problemOf(err), func(p *templates.ConsolePage) { p.Accounts.New = in })
			return
		}
		d.logger.InfoContext(r.Context(), "console child account created", "user_id", si.User.ID, "account_id", a.ID, "parent_id", a.ParentID)
		http.Redirect(w, r, tabPath(templates.ConsoleTabAccounts, "child"), http.StatusSeeOther)
	})
}
