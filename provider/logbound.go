package provider

import (
	"context"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// maxLogValueBytes bounds every string value in a log record.
const maxLogValueBytes = 256

// logValue bounds an attacker-controlled value for a log record: at most
// maxLogValueBytes bytes of valid UTF-8, without control characters, with
// "…" when it was cut. slog's handlers quote the result as needed.
func logValue(s string) string {
	cut := len(s) > maxLogValueBytes
	if cut {
		s = s[:maxLogValueBytes]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return '?'
		}
		return r
	}, s)
	if cut {
		s += "…"
	}
	return s
}

// boundedHandler is a slog.Handler that bounds every string attribute with
// logValue before passing the record on.
type boundedHandler struct {
	next slog.Handler
}

// NewBoundedLogHandler wraps h so that no string value in a record (message
// arguments, groups, resolved LogValuers such as the library's auth request
// and error values) is longer than 256 bytes or contains a control
// character. zitadel/oidc logs through the default slog logger with request
// values (state, redirect_uri, client_id), so install it there:
// slog.SetDefault(slog.New(provider.NewBoundedLogHandler(h))).
func NewBoundedLogHandler(h slog.Handler) slog.Handler {
	return &boundedHandler{next: h}
}

// Enabled implements slog.Handler.
func (b *boundedHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return b.next.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (b *boundedHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, logValue(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(boundAttr(a))
		return true
	})
	return b.next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (b *boundedHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	bounded := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		bounded[i] = boundAttr(a)
	}
	return &boundedHandler{next: b.next.WithAttrs(bounded)}
}

// WithGroup implements slog.Handler.
func (b *boundedHandler) WithGroup(name string) slog.Handler {
	return &boundedHandler{next: b.next.WithGroup(name)}
}

// boundAttr bounds the string values of a, recursing into groups.
func boundAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, logValue(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		bounded := make([]slog.Attr, len(attrs))
		for i, g := range attrs {
			bounded[i] = boundAttr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(bounded...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, logValue(x.Error()))
		case []string:
			return slog.String(a.Key, logValue(strings.Join(x, " ")))
		}
		return slog.Attr{Key: a.Key, Value: v}
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}
