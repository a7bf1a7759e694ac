package iam

import "github.com/gatehouse-id/gatehouse/storage"

// ActorKind says who performs an operation.
type ActorKind string

// The kinds of Actor.
const (
	// ActorUser is a signed-in person acting through the pages or the
	// JSON API; the permission table applies to their effective role.
	ActorUser ActorKind = "user"
	// ActorOperator is the operator, through the command line or the
	// admin socket; operators are not bound by the permission table.
	ActorOperator ActorKind = "operator"
	// ActorAPIClient is an API client acting for its account and the
	// accounts under it (REQUIREMENTS section 9), with the role of its
	// type (actor_client.go).
	ActorAPIClient ActorKind = "api_client"
)

// Actor is who performs an operation, and from where. The zero value is
// no actor and is refused.
type Actor struct {
	Kind ActorKind
	// UserID is the acting user, for ActorUser.
	UserID string
	// ClientID is the acting API client, for ActorAPIClient.
	ClientID string
	// IP and UserAgent describe the request, for the audit log.
	IP        string
	UserAgent string
}

// UserActor returns the Actor of the signed-in user userID.
func UserActor(userID, ip, userAgent string) Actor {
	return Actor{Kind: ActorUser, UserID: userID, IP: ip, UserAgent: userAgent}
}

// OperatorActor returns the Actor of the operator.
func OperatorActor() Actor {
	return Actor{Kind: ActorOperator}
}

// IsOperator reports whether a is the operator.
func (a Actor) IsOperator() bool { return a.Kind == ActorOperator }

// auditActor returns the Actor field of an audit event for a.
func (a Actor) auditActor() string {
	switch a.Kind {
	case ActorOperator:
		return storage.AuditActorOperator
	case ActorAPIClient:
		return a.ClientID
	}
	return a.UserID
}

// check refuses an actor that is neither a user with an ID, an API
// client with an ID, nor the operator.
func (a Actor) check() error {
	switch {
	case a.Kind == ActorOperator:
		return nil
	case a.Kind == ActorUser && a.UserID != "":
		return nil
	case a.Kind == ActorAPIClient && a.ClientID != "":
		return nil
	}
	return forbidden("This operation needs a signed-in user, an API client or an operator.")
}
