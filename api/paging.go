package api

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Paging defaults and bounds.
const (
	DefaultPageSize = 50
	MaxPageSize     = storage.MaxPageSize
	// maxPageNumber bounds page_number, so that an absurd one is refused
	// rather than walked.
	maxPageNumber = 1_000_000
)

// maxPageToken bounds the length of a page_token.
const maxPageToken = 1024

// page is the page a list request asks for. after is the storage cursor
// of a page_token: the page starts right after it, and number only labels
// the page.
type page struct {
	size, number int
	after        string
}

// meta is the paging part of every list answer.
type meta struct {
	// Count is the number of items on this page.
	Count      int     `json:"count"`
	PageSize   int     `json:"page_size"`
	PageNumber int     `json:"page_number"`
	Previous   *string `json:"previous_page_url"`
	Next       *string `json:"next_page_url"`
	// NextToken is the page_token of the next page, or null on the last.
	NextToken *string `json:"next_page_token"`
}

// list is the body of a list answer.
type list[T any] struct {
	Items []T  `json:"items"`
	Meta  meta `json:"meta"`
}

// parsePage reads page_size (1 to MaxPageSize, DefaultPageSize when
// absent), page_number (at least 1, 1 when absent) and page_token (a
// next_page_token of an earlier answer).
func parsePage(q url.Values) (page, error) {
	p := page{size: DefaultPageSize, number: 1}
	for _, f := range []struct {
		name string
		dst  *int
		max  int
	}{{"page_size", &p.size, MaxPageSize}, {"page_number", &p.number, maxPageNumber}} {
		if !q.Has(f.name) {
			continue
		}
		n, err := strconv.Atoi(q.Get(f.name))
		if err != nil || n < 1 || n > f.max {
			return page{}, badInput(f.name, msgPageParam, f.name, f.max)
		}
		*f.dst = n
	}
	if q.Has("page_token") {
		t := q.Get("page_token")
		after, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil || len(after) == 0 || len(t) > maxPageToken {
			return page{}, badInput("page_token", msgPageToken)
		}
		p.after = string(after)
	}
	return p, nil
}

// fetchFunc reads one batch of a cursor-paged list: at most limit items
// after the cursor, and the cursor of the next batch ("" at the end).
type fetchFunc[T any] func(ctx context.Context, after string, limit int) ([]T, string, error)

// collect returns the items of page p of a cursor-paged list and the
// cursor after its last item when another page follows ("" when none
// does). With a page_token it starts at the token's cursor and reads only
// the page; without one it skips the earlier pages' items in batches of
// MaxPageSize. Lists whose batches may come back short (removed members
// are hidden) still fill a page, and a page is only followed by another
// when a visible item follows it.
func collect[T any](ctx context.Context, p page, fetch fetchFunc[T]) ([]T, string, error) {
	skip := 0
	if p.after == "" {
		skip = (p.number - 1) * p.size
	}
	var out []T
	after := p.after
	for len(out) < p.size {
		want := p.size - len(out)
		if skip > 0 {
			want = min(skip, MaxPageSize)
		}
		batch, next, err := fetch(ctx, after, want)
		if err != nil {
			return nil, "", err
		}
		for _, it := range batch {
			if skip > 0 {
				skip--
				continue
			}
			out = append(out, it)
		}
		if next == "" {
			return out, "", nil
		}
		after = next
	}
	more, err := anyAfter(ctx, after, fetch)
	if err != nil || !more {
		return out, "", err
	}
	return out, after, nil
}

// anyAfter reports whether the list has a visible item after the cursor.
func anyAfter[T any](ctx context.Context, after string, fetch fetchFunc[T]) (bool, error) {
	for {
		batch, next, err := fetch(ctx, after, 1)
		if err != nil || len(batch) > 0 {
			return len(batch) > 0, err
		}
		if next == "" {
			return false, nil
		}
		after = next
	}
}

// listAnswer builds the list answer of page p of r's URL: the items and
// the meta with the URLs of the neighbouring pages, absolute under base.
// next is the cursor after the page, "" on the last; the next page's URL
// carries it as page_token.
func listAnswer[T any](base string, r *http.Request, p page, items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	m := meta{Count: len(items), PageSize: p.size, PageNumber: p.number}
	link := func(n int, token string) *string {
		q := r.URL.Query()
		q.Set("page_size", strconv.Itoa(p.size))
		q.Set("page_number", strconv.Itoa(n))
		q.Del("page_token")
		if token != "" {
			q.Set("page_token", token)
		}
		s := base + r.URL.Path + "?" + q.Encode()
		return &s
	}
	if p.number > 1 {
		m.Previous = link(p.number-1, "")
	}
	if next != "" {
		token := base64.RawURLEncoding.EncodeToString([]byte(next))
		m.Next = link(p.number+1, token)
		m.NextToken = &token
	}
	return list[T]{Items: items, Meta: m}
}

// writePage fetches page p with fetch and writes the list answer, each
// item through view.
func writePage[T, V any](h *Handler, w http.ResponseWriter, r *http.Request, p page, fetch fetchFunc[T], view func(T) V) {
	items, next, err := collect(r.Context(), p, fetch)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := make([]V, 0, len(items))
	for _, it := range items {
		out = append(out, view(it))
	}
	writeJSON(w, http.StatusOK, listAnswer(h.base, r, p, out, next))
}
