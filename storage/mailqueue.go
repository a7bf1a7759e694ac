package storage

import (
	"context"
	"time"
)

// QueuedMail is one e-mail waiting in the outbox for the notifier to send
// it after the response that asked for it has been committed.
type QueuedMail struct {
	// ID is unique; the sealed body is bound to it.
	ID string
	// Due is when the message should next be tried.
	Due time.Time
	// Attempts counts the failed attempts so far; zero for a new message.
	Attempts int
	// Sealed is the whole message (recipient, subject and bodies) sealed
	// by the caller: it holds sign-in codes and reset links, so the
	// backend only ever sees ciphertext.
	Sealed []byte
	// LastError is the error of the last failed attempt; empty before
	// one. It never contains the message.
	LastError string
	// CreatedAt is when the message was queued.
	CreatedAt time.Time
}

// MailQueue is the durable outbox of e-mail: a message is queued by a
// request and sent by a worker, which claims it (ClaimDueMail), deletes it
// once sent and reschedules it after a failure. Several workers, in
// several processes sharing a database, may run at once: a claim hands a
// message to one of them until the claim ends.
type MailQueue interface {
	// EnqueueMail stores a new message, one small write that a backend
	// may group with concurrent ones. It returns ErrAlreadyExists for a
	// used ID, and an error for an empty ID or body or a zero due time.
	EnqueueMail(ctx context.Context, m QueuedMail) error
	// DueMail returns up to limit messages due at or before now, earliest
	// first (by due time, then ID), through an index by due time: it does
	// not read the messages that are not due. limit must be positive.
	DueMail(ctx context.Context, now time.Time, limit int) ([]QueuedMail, error)
	// ClaimDueMail is DueMail for a worker: in one transaction it takes up
	// to limit messages due at or before now, earliest first, and moves
	// their due time to until, so that no other worker takes them before
	// then. It returns them with Due set to until. A worker that stops
	// before it sends or reschedules a claimed message leaves it to be
	// taken again at until. limit must be positive and until after now.
	ClaimDueMail(ctx context.Context, now time.Time, limit int, until time.Time) ([]QueuedMail, error)
	// NextMailDue returns the earliest due time of any queued message,
	// or ErrNotFound when the queue is empty.
	NextMailDue(ctx context.Context) (time.Time, error)
	// RescheduleMail records a failed attempt: Attempts grows by one,
	// LastError and Due are set, and the message moves in the index. It
	// returns the updated message, or ErrNotFound.
	RescheduleMail(ctx context.Context, id string, due time.Time, lastError string) (QueuedMail, error)
	// DeleteMail removes a message once it is sent or given up on, or
	// returns ErrNotFound.
	DeleteMail(ctx context.Context, id string) error
}
