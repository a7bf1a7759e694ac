package notify

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// outboxFrom is the sender of e-mails written to the outbox.
const outboxFrom = "Gatehouse <noreply@gatehouse.localhost>"

// SMSFile is the name of the file in the outbox directory that holds one
// JSON line per text message.
const SMSFile = "sms.jsonl"

// maxLoggedText is how much of an e-mail's text body the outbox logs.
const maxLoggedText = 1000

// Outbox is the development transport, and the embedded default: it
// delivers nothing, but writes each e-mail as an RFC 5322 .eml file and
// appends each SMS as a JSON line to sms.jsonl in its directory, so a
// newcomer can sign in without a mail server or an SMS provider.
//
// Outbox also logs every message at INFO level with a "development outbox"
// mark, including the e-mail's text body and the SMS body, and so the
// one-time codes they carry. Logging message bodies is acceptable only
// because the outbox is for development; no other transport logs them.
//
// Outbox implements both Mailer and Texter and is safe for concurrent use.
type Outbox struct {
	dir    string
	logger *slog.Logger
	now    func() time.Time
	from   *mail.Address
	mu     sync.Mutex   // serialises appends to sms.jsonl
	seq    atomic.Int64 // the sequence number of the last e-mail file
}

var (
	_ Mailer = (*Outbox)(nil)
	_ Texter = (*Outbox)(nil)
)

// outboxSMS is one line of sms.jsonl.
type outboxSMS struct {
	To     string `json:"to"`
	Body   string `json:"body"`
	SentAt string `json:"sent_at"`
}

// NewOutbox creates dir with mode 0700 if needed and returns an outbox
// writing there. A nil logger discards the log lines; a nil now means
// time.Now.
func NewOutbox(dir string, logger *slog.Logger, now func() time.Time) (*Outbox, error) {
	if dir == "" {
		return nil, errors.New("outbox directory is empty")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create outbox directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("restrict outbox directory: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	from, err := parseFrom(outboxFrom)
	if err != nil {
		return nil, err
	}
	o := &Outbox{dir: dir, logger: logger, now: now, from: from}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read outbox directory: %w", err)
	}
	for _, e := range entries {
		if n := emailSeq(e.Name()); n > o.seq.Load() {
			o.seq.Store(n)
		}
	}
	return o, nil
}

// emailSeq returns the sequence number in an outbox e-mail file name such
// as 20261127T034500Z-000042-1a2b3c4d.eml, or -1 for any other name.
func emailSeq(name string) int64 {
	parts := strings.Split(strings.TrimSuffix(name, ".eml"), "-")
	if len(parts) != 3 || !strings.HasSuffix(name, ".eml") {
		return -1
	}
	n, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// Dir returns the outbox directory.
func (o *Outbox) Dir() string { return o.dir }

// SendEmail writes m as a new .eml file with mode 0600, named after the
// current time, a sequence number and a random suffix, such as
// 20261127T034500Z-000042-1a2b3c4d.eml. The sequence number keeps the order
// of writes even when a fake clock stands still. The file appears
// atomically: it is written under a temporary name, synced and renamed.
func (o *Outbox) SendEmail(ctx context.Context, m Email) error {
	now := o.now()
	msg, err := buildMessage(m, o.from, now)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%s-%06d-%s.eml", now.UTC().Format("20060102T150405Z"), o.seq.Add(1), randomHex(4))
	path := filepath.Join(o.dir, name)
	if err := writeFileAtomic(path, msg); err != nil {
		return fmt.Errorf("write e-mail to outbox: %w: %w", ErrDelivery, err)
	}
	text := m.Text
	if r := []rune(text); len(r) > maxLoggedText {
		text = string(r[:maxLoggedText]) + "…"
	}
	o.logger.InfoContext(ctx, "development outbox: e-mail written, not sent",
		"to", m.To, "subject", m.Subject, "file", path, "text", text)
	return nil
}

// SendSMS appends m as one JSON line to sms.jsonl, with mode 0600.
func (o *Outbox) SendSMS(ctx context.Context, m SMS) error {
	if err := validateSMS(m); err != nil {
		return err
	}
	line, err := json.Marshal(outboxSMS{To: m.To, Body: m.Body, SentAt: o.now().UTC().Format(time.RFC3339)})
	if err != nil {
		return fmt.Errorf("encode sms: %w", err)
	}
	path := filepath.Join(o.dir, SMSFile)
	if err := o.appendLine(path, line); err != nil {
		return fmt.Errorf("write sms to outbox: %w: %w", ErrDelivery, err)
	}
	o.logger.InfoContext(ctx, "development outbox: sms written, not sent",
		"to", m.To, "body", m.Body, "file", path)
	return nil
}

// StartupCheck checks that the outbox directory exists and is writable.
func (o *Outbox) StartupCheck(context.Context) error {
	f, err := os.CreateTemp(o.dir, ".check-*")
	if err != nil {
		return fmt.Errorf("outbox directory %s is not writable: %w", o.dir, err)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("outbox directory %s: %w", o.dir, err)
	}
	return nil
}

// appendLine appends line and a newline to path in one write.
func (o *Outbox) appendLine(path string, line []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeFileAtomic writes data to a temporary file next to path with mode
// 0600, syncs it and renames it to path.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// ReadLatestEmail returns the most recently written e-mail in the outbox
// directory dir that is addressed to to (compared without regard to case),
// and the path of its file; an empty to matches any recipient. When there
// is none, the error wraps fs.ErrNotExist.
func ReadLatestEmail(dir, to string) (Email, string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return Email{}, "", fmt.Errorf("read outbox: %w", err)
	}
	type candidate struct {
		name string
		seq  int64
		mod  time.Time
	}
	var cs []candidate
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".eml") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // Removed since ReadDir.
		}
		cs = append(cs, candidate{e.Name(), emailSeq(e.Name()), info.ModTime()})
	}
	// Newest first: by sequence number, which orders writes even under a
	// fake clock, then by modification time and name.
	slices.SortFunc(cs, func(a, b candidate) int {
		if c := cmp.Compare(b.seq, a.seq); c != 0 {
			return c
		}
		if c := b.mod.Compare(a.mod); c != 0 {
			return c
		}
		return strings.Compare(b.name, a.name)
	})
	for _, c := range cs {
		path := filepath.Join(dir, c.name)
		raw, err := os.ReadFile(path)
		if err != nil {
			return Email{}, "", fmt.Errorf("read outbox e-mail: %w", err)
		}
		m, err := ParseMessage(bytes.NewReader(raw))
		if err != nil {
			return Email{}, "", fmt.Errorf("parse outbox e-mail %s: %w", c.name, err)
		}
		if to == "" || strings.EqualFold(m.To, to) {
			return m, path, nil
		}
	}
	return Email{}, "", fmt.Errorf("no e-mail to %q in outbox %s: %w", to, dir, fs.ErrNotExist)
}

// ReadSMS returns every SMS in the outbox directory dir, oldest first. An
// outbox without sms.jsonl holds no messages and gives an empty list.
func ReadSMS(dir string) ([]SMS, error) {
	f, err := os.Open(filepath.Join(dir, SMSFile))
	if errors.Is(err, fs.ErrNotExist) {
		return []SMS{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read outbox sms: %w", err)
	}
	defer f.Close()
	out := []SMS{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var line outboxSMS
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return nil, fmt.Errorf("parse outbox sms line %d: %w", n, err)
		}
		out = append(out, SMS{To: line.To, Body: line.Body})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read outbox sms: %w", err)
	}
	return out, nil
}
