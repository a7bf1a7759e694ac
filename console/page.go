package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// maxVisible bounds the accounts the switcher and the tree show.
const maxVisible = 500

// view renders the console page: the switcher, the tree and the current
// account, then the tab asked for.
type view struct {
	*base
	users storage.Users
}

// state is the console of one request: the page being filled in and the
// current account.
type state struct {
	page templates.ConsolePage
	cur  iam.AccountView
	si   session.SignedIn
}

// validTab returns tab when it names a console tab, else the overview.
func validTab(tab string) string {
	switch tab {
	case templates.ConsoleTabUsers, templates.ConsoleTabAccounts, templates.ConsoleTabTransfer, templates.ConsoleTabAudit,
		templates.ConsoleTabSetup, templates.ConsoleTabClients, templates.ConsoleTabApps:
		return tab
	}
	return templates.ConsoleTabOverview
}

// tabPath returns the URL of a console tab with an optional notice (a key
// of notices).
func tabPath(tab, done string) string {
	q := url.Values{"tab": {validTab(tab)}}
	if done != "" {
		q.Set("done", done)
	}
	return pathConsole + "?" + q.Encode()
}

// returnQuery is the query that names the page a sign-in returns to.
func returnQuery(ret string) string { return url.Values{"return": {ret}}.Encode() }

// show serves GET /console?tab=…&done=….
func (d *overviewPages) show() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		q := r.URL.Query()
		d.page.render(w, r, si, http.StatusOK, q.Get("tab"), func(p *templates.ConsolePage) {
			p.Notice = notices[q.Get("done")]
		})
	})
}

// switchAccount serves POST /console/switch: the chosen account, whatever
// its status, becomes the user's last used one (iam.SwitchConsoleAccount),
// which the console then shows and the next sign-in to an application
// carries while the user may act in it.
func (d *overviewPages) switchAccount() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		if err := d.iam.SwitchConsoleAccount(r.Context(), d.actor(r, si), r.PostForm.Get("account")); err != nil {
			d.page.refuse(w, r, si, templates.ConsoleTabOverview, selectError(err))
			return
		}
		d.logger.InfoContext(r.Context(), "console account switched", "user_id", si.User.ID)
		http.Redirect(w, r, tabPath(templates.ConsoleTabOverview, "switched"), http.StatusSeeOther)
	})
}

// render loads the console for tab, applies adjust (a notice, an error,
// what was typed) and writes the page with status. A tab the user's role
// does not allow shows the overview with iam's refusal.
func (v *view) render(w http.ResponseWriter, r *http.Request, si session.SignedIn, status int, tab string, adjust ...func(*templates.ConsolePage)) {
	st, err := v.load(r.Context(), si)
	if err != nil {
		v.site.LogProblem(r, "console not loaded", err, "user_id", si.User.ID)
		v.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	st.page.Tab = validTab(tab)
	st.page.StepUpAction = pathReauth + "?" + returnQuery(tabPath(templates.ConsoleTabTransfer, ""))
	if !st.page.NoAccounts {
		if err := v.fillTab(r, st); err != nil {
			p, ok := asProblem(err)
			if !ok {
				v.site.LogProblem(r, "console tab not loaded", err, "user_id", si.User.ID, "tab", st.page.Tab)
				v.site.RenderProblem(w, r, web.ProbInternal)
				return
			}
			st.page.Tab, st.page.Error, status = templates.ConsoleTabOverview, p.msg, p.status
		}
		if st.page.Tab == templates.ConsoleTabOverview {
			if err := v.fillPolicy(r.Context(), st); err != nil {
				v.site.LogProblem(r, "console policy not loaded", err, "user_id", si.User.ID)
				v.site.RenderProblem(w, r, web.ProbInternal)
				return
			}
		}
	}
	for _, f := range adjust {
		f(&st.page)
	}
	v.site.Render(w, r, status, st.page)
}

// refuse renders tab with the message of p, keeping what adjust puts
// back; nothing was changed. The message is set before adjust runs, so
// that adjust may make it more precise. An internal error shows the
// error page.
func (v *view) refuse(w http.ResponseWriter, r *http.Request, si session.SignedIn, tab string, p problem, adjust ...func(*templates.ConsolePage)) {
	if p.internal != nil {
		v.site.LogProblem(r, "console action failed", p.internal, "user_id", si.User.ID, "path", r.URL.Path)
		v.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	v.logger.InfoContext(r.Context(), "console action refused", "user_id", si.User.ID, "path", r.URL.Path, "reason", p.reason)
	adjust = append([]func(*templates.ConsolePage){func(pg *templates.ConsolePage) {
		pg.Error, pg.ErrorField, pg.StepUpNeeded = p.msg, p.field, p.stepUp
	}}, adjust...)
	v.render(w, r, si, p.status, tab, adjust...)
}

// load reads the accounts the user can see, chooses the current one (the
// last used when visible, else the first) and fills in the switcher, the
// tree, the details and the rights.
func (v *view) load(ctx context.Context, si session.SignedIn) (*state, error) {
	st := &state{si: si}
	st.page.CSRFToken = v.sess.CSRFToken(si)
	st.page.Email = si.User.Email
	actor := iam.UserActor(si.User.ID, "", "")
	var visible []iam.AccountView
	p := storage.PageRequest{Limit: storage.MaxPageSize}
	for len(visible) < maxVisible {
		page, next, err := v.iam.ListVisibleAccounts(ctx, actor, iam.VisibleQuery{PageRequest: p})
		if err != nil {
			return nil, fmt.Errorf("visible accounts: %w", err)
		}
		visible = append(visible, page...)
		if next == "" {
			break
		}
		p.After = next
	}
	if len(visible) == 0 {
		st.page.NoAccounts = true
		return st, nil
	}
	st.cur = visible[0]
	for _, a := range visible {
		if a.Account.ID == si.User.LastAccountID {
			st.cur = a
		}
	}
	fillAccounts(&st.page, visible, st.cur, si.User.ID)
	return st, nil
}

// fillAccounts fills in the switcher, the tree, the current account's
// details and what the user's role there allows (iam.Allowed); editing
// the sign-in policy or the business details is editing the account.
func fillAccounts(p *templates.ConsolePage, visible []iam.AccountView, cur iam.AccountView, userID string) {
	names := map[string]string{}
	for _, a := range visible {
		names[a.Account.ID] = a.Account.Name
		p.Switcher = append(p.Switcher, templates.ConsoleAccountOption{ID: a.Account.ID, Name: a.Account.Name, Current: a.Account.ID == cur.Account.ID})
	}
	p.Tree = tree(visible, cur.Account.ID)
	a := cur.Account
	p.Account = templates.ConsoleAccount{ID: a.ID, Name: a.Name, Email: a.Email, Type: typeLabel(a.Type), Status: statusLabel(a.Status),
		Role: roleLabel(cur.Role), Inherited: cur.Inherited, Level: a.Depth()}
	if a.ParentID != "" {
		p.Account.Parent = a.ParentID
		if n, ok := names[a.ParentID]; ok {
			p.Account.Parent = n
		}
	}
	p.Rights = templates.ConsoleRights{
		Users:    iam.Allowed(cur.Role, iam.ActionViewMembers),
		Accounts: iam.Allowed(cur.Role, iam.ActionCreateChild),
		Transfer: iam.Allowed(cur.Role, iam.ActionTransferOwnership) && a.OwnerID == userID,
		Audit:    iam.Allowed(cur.Role, iam.ActionViewAudit),
		Policy:   iam.Allowed(cur.Role, iam.ActionEditAccount),
		Clients:  iam.Allowed(cur.Role, iam.ActionViewClients),
		Apps:     iam.Allowed(cur.Role, iam.ActionViewApps),
	}
	fillBusiness(p, a, p.Rights.Policy)
	p.Rights.Setup = p.Business != nil && p.Business.Pending && p.Business.Editable
}

// tree arranges the visible accounts by parent: an account whose parent
// the user cannot see is a root.
func tree(visible []iam.AccountView, current string) []templates.ConsoleTreeNode {
	seen := map[string]bool{}
	kids := map[string][]iam.AccountView{}
	for _, a := range visible {
		seen[a.Account.ID] = true
	}
	var roots []iam.AccountView
	for _, a := range visible {
		if a.Account.ParentID != "" && seen[a.Account.ParentID] {
			kids[a.Account.ParentID] = append(kids[a.Account.ParentID], a)
			continue
		}
		roots = append(roots, a)
	}
	var build func([]iam.AccountView) []templates.ConsoleTreeNode
	build = func(as []iam.AccountView) []templates.ConsoleTreeNode {
		out := make([]templates.ConsoleTreeNode, 0, len(as))
		for _, a := range as {
			out = append(out, templates.ConsoleTreeNode{ID: a.Account.ID, Name: a.Account.Name, Role: roleLabel(a.Role),
				Current: a.Account.ID == current, Children: build(kids[a.Account.ID])})
		}
		return out
	}
	return build(roots)
}

// fillTab loads what the tab shows. An iam refusal comes back as a
// problem (asProblem).
func (v *view) fillTab(r *http.Request, st *state) error {
	switch st.page.Tab {
	case templates.ConsoleTabUsers:
		return v.fillUsers(r, st)
	case templates.ConsoleTabAccounts:
		return v.fillChildren(r, st)
	case templates.ConsoleTabTransfer:
		return v.fillTransfer(r, st)
	case templates.ConsoleTabAudit:
		return v.fillAudit(r, st)
	case templates.ConsoleTabSetup:
		fillSetup(&st.page)
	case templates.ConsoleTabClients:
		return v.fillClients(r, st)
	case templates.ConsoleTabApps:
		return v.fillApps(r, st)
	}
	return nil
}

// printer returns the printer of the page's language, for dates.
func (v *view) printer(r *http.Request) *i18n.Printer {
	return i18n.New(web.Lang(r, v.site.DefaultLanguage()))
}
