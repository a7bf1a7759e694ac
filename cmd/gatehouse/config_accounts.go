package main

import (
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
)

// AccountsConfig sets the account rules of REQUIREMENTS.md sections 5 to 7
// that an operator may choose.
type AccountsConfig struct {
	// UsersMayCreateTopLevel lets signed-in users create further top-level
	// accounts; otherwise only operators do (registration always creates
	// the registrant's first one).
	UsersMayCreateTopLevel bool `yaml:"users_may_create_top_level"`
	// InvitationTTL is how long an invitation link stays valid.
	InvitationTTL time.Duration `yaml:"invitation_ttl"`
	// StepUpMaxAge is how recent the second factor behind an ownership
	// transfer must be.
	StepUpMaxAge time.Duration `yaml:"step_up_max_age"`
}

// Bounds of the accounts section.
const (
	minInvitationTTL = time.Hour
	maxInvitationTTL = 30 * 24 * time.Hour
	minStepUpMaxAge  = 30 * time.Second
	maxStepUpMaxAge  = time.Hour
)

// defaultAccounts returns the account defaults.
func defaultAccounts() AccountsConfig {
	return AccountsConfig{InvitationTTL: iam.DefaultInvitationTTL, StepUpMaxAge: iam.DefaultStepUpMaxAge}
}

// accountsProblems validates the accounts section.
func (c Config) accountsProblems() []string {
	a := c.Accounts
	var problems []string
	if a.InvitationTTL < minInvitationTTL || a.InvitationTTL > maxInvitationTTL {
		problems = append(problems, fmt.Sprintf("accounts.invitation_ttl: %v must be between %v and %v (720h)",
			a.InvitationTTL, minInvitationTTL, maxInvitationTTL))
	}
	if a.StepUpMaxAge < minStepUpMaxAge || a.StepUpMaxAge > maxStepUpMaxAge {
		problems = append(problems, fmt.Sprintf("accounts.step_up_max_age: %v must be between %v and %v",
			a.StepUpMaxAge, minStepUpMaxAge, maxStepUpMaxAge))
	}
	return problems
}

// iamConfig returns the account rules for package iam; call it on a
// validated configuration.
func (a AccountsConfig) iamConfig() iam.AccountConfig {
	return iam.AccountConfig{UsersMayCreateTopLevel: a.UsersMayCreateTopLevel, InvitationTTL: a.InvitationTTL, StepUpMaxAge: a.StepUpMaxAge}
}
