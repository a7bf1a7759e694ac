package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// clientsPageSize is the number of API clients a page lists.
const clientsPageSize = 20

// defaultLifetime is the token lifetime the creation form starts with.
const defaultLifetime = iam.APIClientLifetime24h

// The console's messages for iam's refusals about API clients.
const (
	msgClientName     = "Enter a client name of at most 200 characters, without control characters."
	msgClientType     = "Choose the type of the client: Admin or Standard."
	msgClientTypeRole = "Your role may create standard API clients only."
	msgClientLifetime = "Choose a token lifetime: 1 hour, 24 hours, 30 days or 24 months."
	msgClientScopes   = "Enter at most 20 scopes, separated by spaces and each listed once, of at most 100 printable characters without quotes or backslashes."
	msgClientLocked   = "This API client is locked: only the account's Owner and Admins and the client's owner can change it."
	msgClientNotFound = "This API client does not exist or is not available to you."
)

// clientFields maps the Field of an iam invalid error about an API client
// to the message the page shows; the field is also the input's name.
var clientFields = map[string]string{
	"name": msgClientName, "type": msgClientType, "lifetime": msgClientLifetime, "scopes": msgClientScopes,
}

// clientTypes are the API client types in the order the form lists them,
// with the permission-table action that creates each and its label key.
var clientTypes = []struct {
	t      storage.APIClientType
	action iam.Action
	label  string
}{
	{storage.APIClientStandard, iam.ActionCreateStandardClient, "Standard"},
	{storage.APIClientAdmin, iam.ActionCreateAdminClient, "Admin"},
}

// lifetimeLabels are the catalogue keys of the token lifetimes.
var lifetimeLabels = map[time.Duration]string{
	iam.APIClientLifetime1h: "1 hour", iam.APIClientLifetime24h: "24 hours",
	iam.APIClientLifetime30d: "30 days", iam.APIClientLifetime24m: "24 months",
}

// mayCreate reports whether role may create API clients of type t
// (iam.Allowed); it offers the type in the form and a client's actions.
func mayCreate(role storage.Role, t storage.APIClientType) bool {
	for _, ct := range clientTypes {
		if ct.t == t {
			return iam.Allowed(role, ct.action)
		}
	}
	return false
}

// clientTypeLabel returns the catalogue key of an API client type, or
// the type itself.
func clientTypeLabel(t storage.APIClientType) string {
	for _, ct := range clientTypes {
		if ct.t == t {
			return ct.label
		}
	}
	return string(t)
}

// lifetimeLabel returns the catalogue key of a token lifetime, or its
// name (iam.LifetimeName) for any other.
func lifetimeLabel(d time.Duration) string {
	if l, ok := lifetimeLabels[d]; ok {
		return l
	}
	return iam.LifetimeName(d)
}

// clientTypeChoices are the types role may create.
func clientTypeChoices(role storage.Role) []templates.ConsoleChoice {
	var out []templates.ConsoleChoice
	for _, ct := range clientTypes {
		if iam.Allowed(role, ct.action) {
			out = append(out, templates.ConsoleChoice{Value: string(ct.t), Label: ct.label})
		}
	}
	return out
}

// lifetimeChoices are the token lifetimes, shortest first, by name.
func lifetimeChoices() []templates.ConsoleChoice {
	out := make([]templates.ConsoleChoice, 0, len(iam.APIClientLifetimes))
	for _, d := range iam.APIClientLifetimes {
		out = append(out, templates.ConsoleChoice{Value: iam.LifetimeName(d), Label: lifetimeLabel(d)})
	}
	return out
}

// fillClients loads the API clients tab: one page of the account's
// clients (iam.ListAPIClients, which decides who may see them) and the
// creation form with the types the user's role may create.
func (v *view) fillClients(r *http.Request, st *state) error {
	cs, next, err := v.iam.ListAPIClients(r.Context(), v.actor(r, st.si), st.cur.Account.ID,
		storage.PageRequest{After: r.URL.Query().Get("after"), Limit: clientsPageSize})
	if err != nil {
		return err
	}
	t := &st.page.Clients
	p := v.printer(r)
	owners := map[string]string{}
	for _, c := range cs {
		owner, err := v.ownerName(r.Context(), owners, c.API.OwnerID)
		if err != nil {
			return err
		}
		t.Clients = append(t.Clients, clientRow(p, c, owner, mayCreate(st.cur.Role, c.API.Type)))
	}
	if next != "" {
		t.NextURL = pathConsole + "?" + url.Values{"tab": {templates.ConsoleTabClients}, "after": {next}}.Encode()
	}
	t.Types = clientTypeChoices(st.cur.Role)
	t.Lifetimes = lifetimeChoices()
	t.New = templates.ConsoleNewClient{Type: string(storage.APIClientStandard), Lifetime: iam.LifetimeName(defaultLifetime)}
	return nil
}

// clientRow is the list's row of an API client.
func clientRow(p *i18n.Printer, c storage.Client, owner string, editable bool) templates.ConsoleClient {
	return templates.ConsoleClient{ID: c.ID, Name: c.Name, Type: clientTypeLabel(c.API.Type),
		Lifetime: lifetimeLabel(c.AccessTokenLifetime), Scopes: strings.Join(c.API.Scopes, " "),
		Enabled: c.API.Enabled, Locked: c.API.Locked, Owner: owner, Created: p.Date(c.CreatedAt), Editable: editable}
}

// ownerName names the user id for the list (name, else address; the ID
// when the user is gone), remembering it in seen; "" for no owner.
func (v *view) ownerName(ctx context.Context, seen map[string]string, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	if n, ok := seen[id]; ok {
		return n, nil
	}
	n := id
	u, err := v.users.GetUser(ctx, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return "", fmt.Errorf("api client owner %s: %w", id, err)
	case u.Name() != "":
		n = u.Name()
	default:
		n = u.Email
	}
	seen[id] = n
	return n, nil
}

// clientProblem maps an error of iam about an API client to what the
// page shows: a bad field names its input, an unknown client says so.
func clientProblem(err error) problem {
	p := problemOf(err)
	var ie *iam.Error
	if p.internal != nil || !errors.As(err, &ie) {
		return p
	}
	switch ie.Code {
	case iam.CodeInvalid:
		p.msg, p.field = msgInvalid, ""
		if m, ok := clientFields[ie.Field]; ok {
			p.msg, p.field = m, ie.Field
		}
	case iam.CodeNotFound:
		if ie.Field == "client_id" {
			p.msg = msgClientNotFound
		}
	case iam.CodeConflict:
		p.msg, p.field = msgInvalid, ""
	}
	return p
}
