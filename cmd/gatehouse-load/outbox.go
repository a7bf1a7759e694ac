package main

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// outboxPoll is how often codeFor looks at the outbox again while it waits
// for a code.
const outboxPoll = 10 * time.Millisecond

// codeRE finds the one-time code in the subject of a code e-mail ("123456
// is your Gatehouse sign-in code", in any language).
var codeRE = regexp.MustCompile(`\b(\d{6,10})\b`)

// errNoCode is wrapped when no new code e-mail arrived in time.
var errNoCode = errors.New("no new code e-mail in the outbox")

// outboxMail is what the tool knows of one e-mail file: its recipient and
// the code of its subject ("" for e-mails without one).
type outboxMail struct {
	to   string
	code string
}

// outbox reads the sign-in codes from the development outbox of a server
// on this machine: a directory of .eml files, one per e-mail, named
// 20261127T034500Z-000042-1a2b3c4d.eml so that the names sort in the order
// they were written. Only the headers are read. Files present when the
// outbox is opened are never used, so that an old code of an earlier run
// is not taken for a new one, and each file is used at most once.
type outbox struct {
	dir string

	mu   sync.Mutex
	seen map[string]outboxMail // every file looked at, by name
	used map[string]bool       // files whose code was handed out
}

// openOutbox returns the outbox reader of dir, ignoring the files already
// there.
func openOutbox(dir string) (*outbox, error) {
	o := &outbox{dir: dir, seen: map[string]outboxMail{}, used: map[string]bool{}}
	names, err := o.names()
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		o.used[n] = true
	}
	return o, nil
}

// names returns the .eml files of the outbox, sorted (oldest first).
func (o *outbox) names() ([]string, error) {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".eml") && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	return names, nil // os.ReadDir sorts by name
}

// codeFor waits until an unused e-mail with a code to addr is in the
// outbox, marks it used and returns its code. It gives up after wait or
// when ctx ends.
func (o *outbox) codeFor(ctx context.Context, addr string, wait time.Duration) (string, error) {
	deadline := time.Now().Add(wait)
	for {
		code, err := o.take(addr)
		if code != "" || err != nil {
			return code, err
		}
		if !time.Now().Before(deadline) {
			return "", fmt.Errorf("%s within %s: %w", addr, wait, errNoCode)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(outboxPoll):
		}
	}
}

// take returns the code of the newest unused e-mail to addr, or "" when
// there is none yet.
func (o *outbox) take(addr string) (string, error) {
	names, err := o.names()
	if err != nil {
		return "", err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(names) - 1; i >= 0; i-- {
		n := names[i]
		if o.used[n] {
			continue
		}
		m, ok := o.seen[n]
		if !ok {
			if m, err = readOutboxMail(filepath.Join(o.dir, n)); err != nil {
				return "", err
			}
			o.seen[n] = m
		}
		if m.code != "" && strings.EqualFold(m.to, addr) {
			o.used[n] = true
			return m.code, nil
		}
	}
	return "", nil
}

// readOutboxMail reads the recipient and the subject's code of one file.
func readOutboxMail(path string) (outboxMail, error) {
	f, err := os.Open(path)
	if err != nil {
		return outboxMail{}, fmt.Errorf("read outbox e-mail: %w", err)
	}
	defer f.Close()
	msg, err := mail.ReadMessage(f)
	if err != nil {
		return outboxMail{}, fmt.Errorf("parse outbox e-mail %s: %w", filepath.Base(path), err)
	}
	var m outboxMail
	if to, err := mail.ParseAddress(msg.Header.Get("To")); err == nil {
		m.to = to.Address
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	if c := codeRE.FindStringSubmatch(subject); c != nil {
		m.code = c[1]
	}
	return m, nil
}
