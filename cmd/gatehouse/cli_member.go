package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// cmdMember runs "gatehouse member ...".
func cmdMember(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("member: missing subcommand; use add, list, set-role or remove")
	}
	switch args[0] {
	case "add":
		return cmdMemberChange(ctx, e, "add", true, args[1:])
	case "list", "ls":
		return cmdMemberList(ctx, e, args[1:])
	case "set-role":
		return cmdMemberChange(ctx, e, "set-role", true, args[1:])
	case "remove", "rm":
		return cmdMemberChange(ctx, e, "remove", false, args[1:])
	default:
		return usagef("member: unknown subcommand %q; use add, list, set-role or remove", args[0])
	}
}

// cmdMemberChange runs "gatehouse member add|set-role|remove".
func cmdMemberChange(ctx context.Context, e env, verb string, withRole bool, args []string) error {
	synopsis := "member " + verb + " ACCOUNT_ID --email E"
	if withRole {
		synopsis += " --role admin|developer|default"
	}
	fs, config := newFlagSet(e, "member "+verb, synopsis+" [--json]")
	email := fs.String("email", "", "the member's e-mail `address` (required; the user must exist)")
	var role *string
	if withRole {
		role = fs.String("role", "", "the `role`: admin, developer or default (ownership moves with account transfer-ownership)")
	}
	asJSON := fs.Bool("json", false, "print the membership as JSON on one line")
	id, err := parseWithID(fs, args, "account ID")
	if err != nil {
		return helpOK(err)
	}
	addr := strings.TrimSpace(*email)
	switch {
	case addr == "":
		return usagef("member %s: --email is required", verb)
	case withRole && strings.TrimSpace(*role) == "":
		return usagef("member %s: --role is required: admin, developer or default", verb)
	}
	m, err := withOperator(ctx, e, *config, func(op *operator) (memberJSON, error) {
		switch verb {
		case "add":
			return op.AddMember(ctx, id, addr, strings.ToLower(strings.TrimSpace(*role)))
		case "set-role":
			return op.SetRole(ctx, id, addr, strings.ToLower(strings.TrimSpace(*role)))
		}
		return op.RemoveMember(ctx, id, addr)
	})
	if err != nil {
		return describe("member "+verb, err)
	}
	if *asJSON {
		return writeLine(e.stdout, m)
	}
	switch verb {
	case "add":
		fmt.Fprintf(e.stdout, "%s (%s) is now a member of %s with the role %s\n", m.Email, m.UserID, m.AccountID, m.Role)
	case "set-role":
		fmt.Fprintf(e.stdout, "%s (%s) in %s: role %s, was %s\n", m.Email, m.UserID, m.AccountID, m.Role, m.PrevRole)
	default:
		fmt.Fprintf(e.stdout, "removed %s (%s) from %s; the membership is kept, inactive, for the audit trail\n", m.Email, m.UserID, m.AccountID)
	}
	return nil
}

// cmdMemberList runs "gatehouse member list".
func cmdMemberList(ctx context.Context, e env, args []string) error {
	fs, config := newFlagSet(e, "member list", "member list ACCOUNT_ID [--json]")
	asJSON := fs.Bool("json", false, "print the members as one JSON array on one line")
	id, err := parseWithID(fs, args, "account ID")
	if err != nil {
		return helpOK(err)
	}
	all, err := withOperator(ctx, e, *config, func(op *operator) ([]memberJSON, error) { return op.ListMembers(ctx, id) })
	if err != nil {
		return describe("member list", err)
	}
	if *asJSON {
		return writeLine(e.stdout, nonNil(all))
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER ID\tE-MAIL\tNAME\tROLE\tSINCE")
	for _, m := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.UserID, m.Email, m.Name, m.Role, m.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}
