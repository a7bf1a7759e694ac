package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gatehouse-id/gatehouse/api"
	"github.com/gatehouse-id/gatehouse/iam"
)

// operator is the CLI's one client of the management API (package api),
// acting as the operator: over the admin socket of a running server, or
// in-process on the opened database (openOperator). Either way the API's
// handlers run and iam decides; the operator only turns the commands into
// calls and the answers into the CLI's JSON (cli_json.go).
type operator struct {
	client *http.Client
	// close releases what the operator holds.
	close func() error
}

// Close releases the database or the socket's connections.
func (o *operator) Close() error { return o.close() }

// apiErrorJSON is the API's error answer.
type apiErrorJSON struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	Code    string `json:"code"`
	Field   string `json:"field"`
	Rule    string `json:"rule"`
}

// iamCodes are the error codes of iam's refusals, which the CLI reports
// as *iam.Error (describe names the flag of the field).
var iamCodes = map[string]bool{iam.CodeInvalid: true, iam.CodeForbidden: true, iam.CodeNotFound: true, iam.CodeConflict: true}

// do makes one call to path (under api.Prefix) with in as its JSON body
// (none when nil) and decodes the answer into out (when not nil). A
// refusal of iam's is returned as the *iam.Error it was.
func (o *operator) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("admin API: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, adminOrigin+api.Prefix+path, body)
	if err != nil {
		return fmt.Errorf("admin API: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return fmt.Errorf("admin API: %w", err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxAdminAnswer))
	if resp.StatusCode >= 300 {
		var ej apiErrorJSON
		switch err := dec.Decode(&ej); {
		case err != nil || ej.Message == "":
			return fmt.Errorf("admin API: %s %s answered %s", method, path, resp.Status)
		case iamCodes[ej.Code]:
			return &iam.Error{Code: ej.Code, Field: ej.Field, Rule: ej.Rule, Message: ej.Message}
		default:
			return fmt.Errorf("admin API: the server failed (%s): %s", resp.Status, ej.Message)
		}
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("admin API: decode the answer of %s %s: %w", method, path, err)
	}
	return nil
}

// pageJSON is one page of a list answer.
type pageJSON[T any] struct {
	Items []T `json:"items"`
	Meta  struct {
		NextToken *string `json:"next_page_token"`
	} `json:"meta"`
}

// eachPage reads the list at path page by page (size items a page),
// following next_page_token so that each page costs the server only its
// own items, and calls fn with each page's items until fn returns false or
// the list ends. q holds the list's own parameters; nil for none.
func eachPage[T any](ctx context.Context, o *operator, path string, q url.Values, size int, fn func([]T) bool) error {
	if q == nil {
		q = url.Values{}
	}
	q.Set("page_size", strconv.Itoa(size))
	for {
		var p pageJSON[T]
		if err := o.do(ctx, http.MethodGet, path+"?"+q.Encode(), nil, &p); err != nil {
			return err
		}
		if !fn(p.Items) || p.Meta.NextToken == nil || len(p.Items) == 0 {
			return nil
		}
		q.Set("page_token", *p.Meta.NextToken)
	}
}

// list reads the list at path page by page (cliPageSize items a page)
// and returns the items, at most limit of them when limit > 0. q holds
// the list's own parameters; nil for none.
func list[T any](ctx context.Context, o *operator, path string, q url.Values, limit int) ([]T, error) {
	size := cliPageSize
	if limit > 0 && limit < size {
		size = limit
	}
	var all []T
	err := eachPage(ctx, o, path, q, size, func(items []T) bool {
		all = append(all, items...)
		return limit <= 0 || len(all) < limit
	})
	if err != nil {
		return nil, err
	}
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}

// esc escapes an ID for a path.
func esc(id string) string { return url.PathEscape(id) }
