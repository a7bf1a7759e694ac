package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gorilla/mux"
)

// specHost is the server the tests' copy of the document names, so that
// its router finds the harness's requests whatever their port.
const specHost = "https://api.test"

var (
	specOnce   sync.Once
	specDoc    *openapi3.T
	specRouter routers.Router
	specErr    error
)

// loadSpec loads and validates the embedded document once, with kin-openapi.
func loadSpec(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		specDoc, specErr = loader.LoadFromData(OpenAPI())
		if specErr != nil {
			return
		}
		if specErr = specDoc.Validate(context.Background()); specErr != nil {
			return
		}
		routed := *specDoc
		routed.Servers = openapi3.Servers{{URL: specHost + Prefix}}
		specRouter, specErr = gorillamux.NewRouter(&routed)
	})
	if specErr != nil {
		t.Fatalf("OpenAPI document: %v", specErr)
	}
	return specDoc, specRouter
}

func TestOpenAPIDocumentValid(t *testing.T) {
	doc, _ := loadSpec(t)
	if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if doc.Paths.Len() == 0 {
		t.Fatal("the document has no paths")
	}
}

// muxParam is a gorilla/mux path variable, which the document writes the
// same way.
var muxParam = regexp.MustCompile(`\{[a-z_]+\}`)

// routedOperations returns "METHOD /path" for every route the API mounts,
// relative to Prefix, read from the router itself.
func routedOperations(t *testing.T) []string {
	t.Helper()
	hs := newHarness(t)
	h, err := New(Deps{IAM: hs.iam, Users: hs.store, Auth: Operator{}, Notifier: hs.notes, BaseURL: "https://x"})
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	h.Mount(r)
	var ops []string
	err = r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		path, err := route.GetPathTemplate()
		if err != nil {
			return nil
		}
		methods, err := route.GetMethods()
		if err != nil {
			return nil // the prefix route of the subrouter
		}
		for _, m := range methods {
			ops = append(ops, m+" "+strings.TrimPrefix(path, Prefix))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ops)
	return ops
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc, _ := loadSpec(t)
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(documented)
	routed := routedOperations(t)
	if len(routed) < 20 {
		t.Fatalf("only %d routes found: %v", len(routed), routed)
	}
	for _, op := range routed {
		if !slices.Contains(documented, op) {
			t.Errorf("route %s is not in the OpenAPI document", op)
		}
	}
	for _, op := range documented {
		if !slices.Contains(routed, op) {
			t.Errorf("the OpenAPI document has %s, which is not routed", op)
		}
	}
	for _, op := range routed {
		for _, p := range muxParam.FindAllString(op, -1) {
			if strings.Contains(p, "-") {
				t.Errorf("%s: path parameter %s", op, p)
			}
		}
	}
}

// validateAnswer checks one call of the harness against the document:
// its path and method are documented, its status is one the operation
// lists, and its headers and body match the schema; the request of a
// successful call matches the document too. The JSON 404 and 405 of
// unknown paths and methods are the only undocumented answers.
func validateAnswer(t *testing.T, req *http.Request, sent []byte, resp *http.Response, raw []byte) {
	t.Helper()
	_, router := loadSpec(t)
	probe := req.Clone(context.Background())
	u, _ := url.Parse(specHost + req.URL.RequestURI())
	probe.URL, probe.Host = u, u.Host
	probe.Body = io.NopCloser(bytes.NewReader(sent))
	route, params, err := router.FindRoute(probe)
	if err != nil {
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
			return
		}
		t.Errorf("%s %s answered %d but is not in the OpenAPI document: %v", req.Method, req.URL.Path, resp.StatusCode, err)
		return
	}
	if resp.StatusCode < 300 {
		reqIn := &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
		if err := openapi3filter.ValidateRequest(context.Background(), reqIn); err != nil {
			t.Errorf("%s %s: the request does not match the OpenAPI document: %v\nbody: %s", req.Method, req.URL.Path, err, sent)
		}
		probe.Body = io.NopCloser(bytes.NewReader(sent))
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(raw)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s: answer %d does not match the OpenAPI document: %v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, err, raw)
	}
}
