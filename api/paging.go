package api

import (
	"context"
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

// page is the page a list request asks for.
type page struct {
	size, number int
}

// meta is the paging part of every list answer.
type meta struct {
	// Count is the number of items on this page.
	Count      int     `json:"count"`
	PageSize   int     `json:"page_size"`
	PageNumber int     `json:"page_number"`
	Previous   *string `json:"previous_page_url"`
	Next       *string `json:"next_page_url"`
}

// list is the body of a list answer.
type list[T any] struct {
	Items []T  `json:"items"`
	Meta  meta `json:"meta"`
}

// parsePage reads page_size (1 to MaxPageSize, DefaultPageSize when
// absent) and page_number (at least 1, 1 when absent).
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
	return p, nil
}

// fetchFunc reads one batch of a cursor-paged list: at most limit items
// after the cursor, and the cursor of the next batch ("" at the end).
type fetchFunc[T any] func(ctx context.Context, after string, limit int) ([]T, string, error)

// collect returns the items of page p of a cursor-paged list, and whether
// another page follows. It skips the earlier pages' items batch by batch,
// so lists whose batches may come back short (removed members are
// hidden) still page by position.
func collect[T any](ctx context.Context, p page, fetch fetchFunc[T]) ([]T, bool, error) {
	skip := (p.number - 1) * p.size
	var (
		out   []T
		after string
	)
	for {
		batch, next, err := fetch(ctx, after, p.size+1)
		if err != nil {
			return nil, false, err
		}
		for _, it := range batch {
			switch {
			case skip > 0:
				skip--
			case len(out) == p.size:
				return out, true, nil
			default:
				out = append(out, it)
			}
		}
		if next == "" {
			return out, false, nil
		}
		after = next
	}
}

// listAnswer builds the list answer of page p of r's URL: the items and
// the meta with the URLs of the neighbouring pages, absolute under base.
func listAnswer[T any](base string, r *http.Request, p page, items []T, more bool) list[T] {
	if items == nil {
		items = []T{}
	}
	m := meta{Count: len(items), PageSize: p.size, PageNumber: p.number}
	link := func(n int) *string {
		q := r.URL.Query()
		q.Set("page_size", strconv.Itoa(p.size))
		q.Set("page_number", strconv.Itoa(n))
		s := base + r.URL.Path + "?" + q.Encode()
		return &s
	}
	if p.number > 1 {
		m.Previous = link(p.number - 1)
	}
	if more {
		m.Next = link(p.number + 1)
	}
	return list[T]{Items: items, Meta: m}
}

// writePage fetches page p with fetch and writes the list answer, each
// item through view.
func writePage[T, V any](h *Handler, w http.ResponseWriter, r *http.Request, p page, fetch fetchFunc[T], view func(T) V) {
	items, more, err := collect(r.Context(), p, fetch)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := make([]V, 0, len(items))
	for _, it := range items {
		out = append(out, view(it))
	}
	writeJSON(w, http.StatusOK, listAnswer(h.base, r, p, out, more))
}
