package notify

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// parseFrom parses a sender such as "Gatehouse <noreply@example.com>" and
// refuses line breaks, so the From header cannot be used for injection.
func parseFrom(from string) (*mail.Address, error) {
	if from == "" {
		return nil, fmt.Errorf("sender address is empty: %w", ErrInvalid)
	}
	if strings.ContainsAny(from, "\r\n") {
		return nil, fmt.Errorf("sender address contains a line break: %w", ErrInvalid)
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("parse sender address %q: %w: %w", from, ErrInvalid, err)
	}
	if !strings.Contains(a.Address, "@") {
		return nil, fmt.Errorf("sender address %q has no domain: %w", from, ErrInvalid)
	}
	return a, nil
}

// randomHex returns n random bytes from crypto/rand as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error.
	return hex.EncodeToString(b)
}

// buildMessage renders m as an RFC 5322 message from the sender from, dated
// now, with CRLF line endings. With an HTML body it is multipart/alternative
// with the text part first; both bodies are quoted-printable, and non-ASCII
// names and subjects are encoded words.
func buildMessage(m Email, from *mail.Address, now time.Time) ([]byte, error) {
	if err := validateEmail(m); err != nil {
		return nil, err
	}
	to := mail.Address{Name: m.ToName, Address: m.To}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]

	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("Date", now.Format(time.RFC1123Z))
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Message-ID", "<"+randomHex(16)+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Auto-Submitted", "auto-generated")

	if m.HTML == "" {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	for _, p := range []struct{ typ, content string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, fmt.Errorf("create %s part: %w", p.typ, err)
		}
		if err := writeQP(w, p.content); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("close multipart body: %w", err)
	}
	b.Write(body.Bytes())
	return b.Bytes(), nil
}

// writeQP writes s quoted-printable encoded to w. Line breaks become CRLF
// and the body ends with a line break.
func writeQP(w io.Writer, s string) error {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, s); err != nil {
		return fmt.Errorf("encode body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return fmt.Errorf("encode body: %w", err)
	}
	return nil
}

// ParseMessage reads an RFC 5322 message as written by this package, such
// as an outbox .eml file or a message received by a test SMTP server, and
// returns its recipient, subject and decoded bodies.
func ParseMessage(r io.Reader) (Email, error) {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return Email{}, fmt.Errorf("read message: %w", err)
	}
	var e Email
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 {
		return Email{}, fmt.Errorf("parse to header %q: want one address", msg.Header.Get("To"))
	}
	e.To, e.ToName = to[0].Address, to[0].Name
	dec := new(mime.WordDecoder)
	if e.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Email{}, fmt.Errorf("decode subject: %w", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return Email{}, fmt.Errorf("parse content type: %w", err)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		text, err := readBody(msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
		if err != nil {
			return Email{}, err
		}
		e.Text = text
		return e, nil
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return e, nil
		}
		if err != nil {
			return Email{}, fmt.Errorf("read part: %w", err)
		}
		// NextPart already decodes quoted-printable parts.
		body, err := readBody(p, "")
		if err != nil {
			return Email{}, err
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch pt {
		case "text/plain":
			e.Text = body
		case "text/html":
			e.HTML = body
		}
	}
}

// readBody reads a body in the given transfer encoding and returns it with
// LF line endings.
func readBody(r io.Reader, encoding string) (string, error) {
	if strings.EqualFold(encoding, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("read body: %w", err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}
