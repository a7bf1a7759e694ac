package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// An accountOp is one operator action on accounts and members. The CLI
// runs it in-process on the data files (directOperator) or sends it to a
// running server's admin socket (POST /ops/<name>), which runs the same
// function: both paths decode the same JSON input and call iam with the
// operator actor, so the rules are checked once, in iam.
type accountOp func(ctx context.Context, svc *iam.Service, in json.RawMessage) (any, error)

// accountOps lists the operator actions by name.
var accountOps = map[string]accountOp{
	"account.create":   opAccountCreate,
	"account.list":     opAccountList,
	"account.show":     opAccountShow,
	"account.status":   opAccountStatus,
	"account.transfer": opAccountTransfer,
	"account.policy":   opAccountPolicy,
	"member.add":       opMemberAdd,
	"member.list":      opMemberList,
	"member.set-role":  opMemberSetRole,
	"member.remove":    opMemberRemove,
	// API clients (cli_apiclient.go).
	"apiclient.create":  opAPIClientCreate,
	"apiclient.list":    opAPIClientList,
	"apiclient.rotate":  opAPIClientRotate,
	"apiclient.enable":  opAPIClientEnable,
	"apiclient.disable": opAPIClientDisable,
	"apiclient.delete":  opAPIClientDelete,
	// Relying applications of an account (cli_application.go).
	"application.create": opApplicationCreate,
	"application.list":   opApplicationList,
}

// accountJSON is an account as the CLI and the admin API show it.
type accountJSON struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	Email          string     `json:"email,omitempty"`
	Type           string     `json:"type"`
	Status         string     `json:"status"`
	StatusReason   string     `json:"status_reason,omitempty"`
	PendingReasons []string   `json:"pending_reasons,omitempty"`
	ParentID       string     `json:"parent_id,omitempty"`
	Depth          int        `json:"depth"`
	OwnerID        string     `json:"owner_id"`
	OwnerEmail     string     `json:"owner_email,omitempty"`
	Policy         policyJSON `json:"policy"`
	// Business and VAT are left out while they are empty (an individual
	// account, or details not given yet).
	Business  *businessJSON   `json:"business,omitempty"`
	VAT       *accountVATJSON `json:"vat,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// businessJSON is a business account's details.
type businessJSON struct {
	CompanyName string `json:"company_name,omitempty"`
	Street      string `json:"street,omitempty"`
	Postcode    string `json:"postcode,omitempty"`
	City        string `json:"city,omitempty"`
	Country     string `json:"country,omitempty"`
	Phone       string `json:"phone,omitempty"`
	VATNumber   string `json:"vat_number,omitempty"`
}

// accountVATJSON is the state of an account's VAT number check.
type accountVATJSON struct {
	Status           string    `json:"status,omitempty"`
	Source           string    `json:"source,omitempty"`
	CheckedAt        time.Time `json:"checked_at,omitzero"`
	UnreachableSince time.Time `json:"unreachable_since,omitzero"`
	NextCheckAt      time.Time `json:"next_check_at,omitzero"`
}

// policyJSON is an account's own sign-in policy.
type policyJSON struct {
	RequirePhishingResistant bool `json:"require_phishing_resistant"`
	ForbidTrustedDevices     bool `json:"forbid_trusted_devices"`
}

// toAccountJSON converts a stored account.
func toAccountJSON(a storage.Account) accountJSON {
	j := accountJSON{
		ID: a.ID, Name: a.Name, Email: a.Email, Type: string(a.Type), Status: string(a.Status), StatusReason: a.StatusReason,
		PendingReasons: a.PendingReasons, ParentID: a.ParentID, Depth: a.Depth(), OwnerID: a.OwnerID,
		Policy:    policyJSON{RequirePhishingResistant: a.Policy.RequirePhishingResistant, ForbidTrustedDevices: a.Policy.ForbidTrustedDevices},
		CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
	}
	if a.Business != (storage.BusinessDetails{}) {
		b := businessJSON(a.Business)
		j.Business = &b
	}
	if a.VAT != (storage.VATCheck{}) {
		j.VAT = &accountVATJSON{Status: a.VAT.Status, Source: a.VAT.Source, CheckedAt: utcOrZero(a.VAT.CheckedAt),
			UnreachableSince: utcOrZero(a.VAT.UnreachableSince), NextCheckAt: utcOrZero(a.VAT.NextCheckAt)}
	}
	return j
}

// utcOrZero returns t in UTC, and the zero time for a zero t.
func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// memberJSON is a membership as the CLI and the admin API show it.
type memberJSON struct {
	AccountID string    `json:"account_id"`
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Active    bool      `json:"active"`
	PrevRole  string    `json:"previous_role,omitempty"`
	InvitedBy string    `json:"invited_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// toMemberJSON converts a membership of user u.
func toMemberJSON(m storage.Membership, u storage.User) memberJSON {
	return memberJSON{
		AccountID: m.AccountID, UserID: m.UserID, Email: u.Email, Name: toUserJSON(u).Name(), Role: string(m.Role),
		Active: m.Active, InvitedBy: m.InvitedBy, CreatedAt: m.CreatedAt.UTC(),
	}
}

// transferJSON is the result of an operator's ownership transfer.
type transferJSON struct {
	Account    accountJSON `json:"account"`
	FromUserID string      `json:"from_user_id"`
	ToUserID   string      `json:"to_user_id"`
	ToEmail    string      `json:"to_email"`
}

// pageJSON is one page of a list and the cursor of the next ("" on the
// last).
type pageJSON[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// Inputs of the operations.
type (
	accountCreateIn struct {
		Name       string `json:"name"`
		OwnerEmail string `json:"owner_email"`
		ParentID   string `json:"parent_id"`
		Type       string `json:"type"`
		Email      string `json:"email"`
	}
	listIn struct {
		ID    string `json:"id"` // the parent (account list) or the account (member list)
		After string `json:"after"`
		Limit int    `json:"limit"`
	}
	accountIDIn struct {
		ID string `json:"id"`
	}
	accountStatusIn struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	// accountPolicyIn leaves a requirement that is nil as the account
	// has it.
	accountPolicyIn struct {
		ID                       string `json:"id"`
		RequirePhishingResistant *bool  `json:"require_phishing_resistant"`
		ForbidTrustedDevices     *bool  `json:"forbid_trusted_devices"`
	}
	accountTransferIn struct {
		ID      string `json:"id"`
		ToEmail string `json:"to_email"`
		Reason  string `json:"reason"`
	}
	memberIn struct {
		AccountID string `json:"account_id"`
		Email     string `json:"email"`
		Role      string `json:"role"`
	}
)

// decodeOp decodes an operation's input strictly.
func decodeOp(in json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &iam.Error{Code: iam.CodeInvalid, Message: "The request body is not valid JSON: " + err.Error()}
	}
	return nil
}

// opAccountCreate creates an account owned by the user with the e-mail.
func opAccountCreate(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in accountCreateIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	op := iam.OperatorActor()
	owner, err := svc.UserByEmail(ctx, op, in.OwnerEmail)
	if err != nil {
		return nil, renameField(err, "email", "owner")
	}
	na := iam.NewAccount{Name: in.Name, Email: in.Email, Type: storage.AccountType(in.Type), OwnerID: owner.ID}
	var a storage.Account
	if in.ParentID == "" {
		a, err = svc.CreateTopLevelAccount(ctx, op, na)
	} else {
		a, err = svc.CreateChildAccount(ctx, op, in.ParentID, na)
		err = renameField(err, "account_id", "parent_id")
	}
	if err != nil {
		return nil, err
	}
	out := toAccountJSON(a)
	out.OwnerEmail = owner.Email
	return out, nil
}

// opAccountList lists one page of the children of an account, or of the
// top-level accounts.
func opAccountList(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in listIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	views, next, err := svc.ListChildren(ctx, iam.OperatorActor(), in.ID, storage.PageRequest{After: in.After, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := pageJSON[accountJSON]{Items: make([]accountJSON, len(views)), Next: next}
	for i, v := range views {
		out.Items[i] = toAccountJSON(v.Account)
	}
	return out, nil
}

// opAccountShow returns one account with its Owner's e-mail address.
func opAccountShow(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in accountIDIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	op := iam.OperatorActor()
	v, err := svc.GetAccount(ctx, op, in.ID)
	if err != nil {
		return nil, err
	}
	out := toAccountJSON(v.Account)
	if u, err := svc.UserByID(ctx, op, v.Account.OwnerID); err == nil {
		out.OwnerEmail = u.Email
	}
	return out, nil
}

// opAccountStatus suspends, activates or deactivates an account.
func opAccountStatus(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in accountStatusIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	a, err := svc.SetStatus(ctx, iam.OperatorActor(), in.ID, storage.AccountStatus(in.Status), in.Reason)
	if err != nil {
		return nil, err
	}
	return toAccountJSON(a), nil
}

// opAccountPolicy sets the account's own sign-in policy: each requirement
// given replaces the account's own, the others stay as they apply now
// (iam.EffectivePolicy). A requirement a parent account sets thus stays
// on, as iam.SetPolicy asks of a child, which may only tighten: it
// refuses turning one off.
func opAccountPolicy(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in accountPolicyIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	p, err := svc.EffectivePolicy(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if in.RequirePhishingResistant != nil {
		p.RequirePhishingResistant = *in.RequirePhishingResistant
	}
	if in.ForbidTrustedDevices != nil {
		p.ForbidTrustedDevices = *in.ForbidTrustedDevices
	}
	a, err := svc.SetPolicy(ctx, iam.OperatorActor(), in.ID, p)
	if err != nil {
		return nil, err
	}
	return toAccountJSON(a), nil
}

// opAccountTransfer makes the member with the e-mail the Owner.
func opAccountTransfer(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in accountTransferIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	op := iam.OperatorActor()
	to, err := svc.UserByEmail(ctx, op, in.ToEmail)
	if err != nil {
		return nil, renameField(err, "email", "to")
	}
	t, err := svc.OperatorTransferOwnership(ctx, op, in.ID, to.ID, in.Reason)
	if err != nil {
		return nil, err
	}
	return transferJSON{Account: toAccountJSON(t.Account), FromUserID: t.FromUserID, ToUserID: t.ToUserID, ToEmail: to.Email}, nil
}

// renameField returns err with its iam field from renamed to, so that the
// CLI names the right flag.
func renameField(err error, from, to string) error {
	var ie *iam.Error
	if errors.As(err, &ie) && ie.Field == from {
		c := *ie
		c.Field = to
		return &c
	}
	return err
}

// opMemberAdd adds the user with the e-mail to an account.
func opMemberAdd(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in memberIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	op := iam.OperatorActor()
	u, err := svc.UserByEmail(ctx, op, in.Email)
	if err != nil {
		return nil, err
	}
	m, err := svc.AddMember(ctx, op, in.AccountID, u.ID, storage.Role(in.Role))
	if err != nil {
		return nil, renameField(err, "user_id", "email")
	}
	return toMemberJSON(m, u), nil
}

// opMemberList lists one page of an account's active direct members.
func opMemberList(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in listIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	op := iam.OperatorActor()
	ms, next, err := svc.ListMembers(ctx, op, in.ID, storage.PageRequest{After: in.After, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := pageJSON[memberJSON]{Items: make([]memberJSON, 0, len(ms)), Next: next}
	for _, m := range ms {
		u, err := svc.UserByID(ctx, op, m.UserID)
		if err != nil {
			return nil, fmt.Errorf("member %s: %w", m.UserID, err)
		}
		out.Items = append(out.Items, toMemberJSON(m, u))
	}
	return out, nil
}

// opMemberSetRole changes the role of the member with the e-mail.
func opMemberSetRole(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in memberIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	op := iam.OperatorActor()
	u, err := svc.UserByEmail(ctx, op, in.Email)
	if err != nil {
		return nil, err
	}
	rc, err := svc.ChangeRole(ctx, op, in.AccountID, u.ID, storage.Role(in.Role))
	if err != nil {
		return nil, renameField(err, "user_id", "email")
	}
	out := toMemberJSON(rc.Membership, u)
	out.PrevRole = string(rc.From)
	return out, nil
}

// opMemberRemove removes the member with the e-mail (a soft delete).
func opMemberRemove(ctx context.Context, svc *iam.Service, raw json.RawMessage) (any, error) {
	var in memberIn
	if err := decodeOp(raw, &in); err != nil {
		return nil, err
	}
	op := iam.OperatorActor()
	u, err := svc.UserByEmail(ctx, op, in.Email)
	if err != nil {
		return nil, err
	}
	m, _, err := svc.RemoveMember(ctx, op, in.AccountID, u.ID)
	if err != nil {
		return nil, renameField(err, "user_id", "email")
	}
	return toMemberJSON(m, u), nil
}

// runAccountOp runs the named operation on svc with the JSON input and
// returns the JSON of its result.
// A notifier, when not nil, e-mails the people the change concerns.
func runAccountOp(ctx context.Context, svc *iam.Service, n *opNotifier, name string, in json.RawMessage) (json.RawMessage, error) {
	op, ok := accountOps[name]
	if !ok {
		return nil, &iam.Error{Code: iam.CodeNotFound, Message: fmt.Sprintf("No operator action is called %q.", name)}
	}
	res, err := op(ctx, svc, in)
	if err != nil {
		return nil, err
	}
	n.after(ctx, name, res)
	b, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("%s: encode result: %w", name, err)
	}
	return b, nil
}
