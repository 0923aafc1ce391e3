package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// kin-openapi reads no text/html bodies of its own accord; a posted page is a string.
func init() { openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder) }

// apiDoc loads the served OpenAPI document, checks it is a valid OpenAPI 3.1
// document, and returns it closed for tests: every object schema that lists its
// properties refuses others, so a field the server sends and the document does not
// describe fails validation. (The published document stays open, so that clients
// tolerate fields added later.) Routes are matched on the servers at bases.
func apiDoc(t *testing.T, bases ...string) (*openapi3.T, routers.Router) {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIDoc)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	closed := false
	err = doc.WalkSchemas(func(_ string, s *openapi3.SchemaRef) error {
		if v := s.Value; len(v.Properties) > 0 && v.AdditionalProperties.Has == nil && v.AdditionalProperties.Schema == nil {
			v.AdditionalProperties.Has = &closed
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = nil
	for _, b := range bases {
		doc.Servers = append(doc.Servers, &openapi3.Server{URL: b})
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// apiCall is one request to the API and the status it must answer with.
type apiCall struct {
	name   string
	method string
	path   string // with the query
	body   any    // JSON-encoded unless a string
	header http.Header
	status int
}

// conform makes the call against base and checks the answer (status, headers,
// body) against the document; a call expected to succeed must also be a request
// the document describes. It returns the decoded body.
func conform(t *testing.T, router routers.Router, base string, c apiCall) map[string]any {
	t.Helper()
	var body []byte
	switch b := c.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	newRequest := func() *http.Request {
		req, err := http.NewRequest(c.method, base+c.path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range c.header {
			req.Header[k] = v
		}
		return req
	}
	resp, err := http.DefaultClient.Do(newRequest())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != c.status {
		t.Fatalf("%s: status %d, want %d: %s", c.name, resp.StatusCode, c.status, got)
	}
	req := newRequest()
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s: %s %s is not in openapi.json: %v", c.name, c.method, c.path, err)
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if c.status < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s: the request does not match openapi.json: %v", c.name, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: opts}
	out.SetBodyBytes(got)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s: the answer does not match openapi.json: %v\n%s", c.name, err, got)
	}
	var m map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(got, &m); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	return m
}

// TestResponsesMatchOpenAPI: every JSON route answers, in success and in error, as
// openapi.json says: status, content type and body, field by field.
func TestResponsesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	_, locked := startServer(t, testConfig(t, map[string]string{"PARALLAX_API_TOKENS": "0123456789abcdef0123"}))
	_, router := apiDoc(t, ts.URL, locked.URL)
	call := func(c apiCall) map[string]any { return conform(t, router, ts.URL, c) }

	// One event in three outlets, then a story only right-leaning outlets cover:
	// a blindspot, with copies.
	var storyID string
	for _, f := range fixturePages {
		body := call(apiCall{name: "lookup " + f.file, method: "POST", path: "/api/v1/lookup", body: map[string]string{"url": f.url, "html": fixture(t, f.file)}, status: 200})
		storyID, _ = path(body, "story", "id").(string)
	}
	oneSided := postOneSided(t, ts.URL)
	if b := call(apiCall{name: "blindspots", method: "GET", path: "/api/v1/blindspots", status: 200}); len(b["left"].([]any)) != 1 {
		t.Fatalf("no blindspot to validate: %v", b)
	}

	for _, c := range []apiCall{
		{name: "lookup by URL", method: "GET", path: "/api/v1/lookup?url=" + url.QueryEscape(bbcURL), status: 200},
		{name: "lookup of an unknown outlet's page", method: "POST", path: "/api/v1/lookup", body: map[string]string{"url": "https://news.example/a", "html": withoutOwnURL(fixture(t, "bbc.html"))}, status: 200},
		{name: "lookup of a page posted as text/html", method: "POST", path: "/api/v1/lookup?url=" + url.QueryEscape("https://news.example/b"), body: withoutOwnURL(fixture(t, "fox.html")), header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, status: 200},
		{name: "lookup without URL", method: "GET", path: "/api/v1/lookup", status: 400},
		{name: "lookup with a bad body", method: "POST", path: "/api/v1/lookup", body: "{nope", status: 400},
		{name: "lookup of a page that is no article", method: "POST", path: "/api/v1/lookup", body: map[string]string{"url": "https://www.example.com/", "html": fixture(t, "home.html")}, status: 422},
		{name: "stories", method: "GET", path: "/api/v1/stories", status: 200},
		{name: "stories by coverage, second page", method: "GET", path: "/api/v1/stories?sort=coverage&limit=1&offset=1", status: 200},
		{name: "stories too deep", method: "GET", path: "/api/v1/stories?offset=999&limit=2", status: 400},
		{name: "story", method: "GET", path: "/api/v1/stories/" + storyID, status: 200},
		{name: "one-sided story", method: "GET", path: "/api/v1/stories/" + oneSided, status: 200},
		{name: "no such story", method: "GET", path: "/api/v1/stories/snope", status: 404},
		{name: "blindspots, one per side", method: "GET", path: "/api/v1/blindspots?limit=1", status: 200},
		{name: "blindspots, bad limit", method: "GET", path: "/api/v1/blindspots?limit=0", status: 400},
		{name: "outlets", method: "GET", path: "/api/v1/outlets?bias=right&per_page=5", status: 200},
		{name: "outlets, bad filter", method: "GET", path: "/api/v1/outlets?bias=nope", status: 400},
		{name: "outlet", method: "GET", path: "/api/v1/outlets/edition.cnn.com", status: 200},
		{name: "no such outlet", method: "GET", path: "/api/v1/outlets/nowhere.example", status: 404},
		{name: "feeds", method: "GET", path: "/api/v1/feeds/status?health=new", status: 200},
		{name: "feeds, bad filter", method: "GET", path: "/api/v1/feeds/status?health=x", status: 400},
		{name: "healthz", method: "GET", path: "/healthz", status: 200},
		{name: "readyz", method: "GET", path: "/readyz", status: 200},
		{name: "openapi.json", method: "GET", path: "/api/v1/openapi.json", status: 200},
		{name: "metrics", method: "GET", path: "/metrics", status: 200},
	} {
		call(c)
	}
	conform(t, router, locked.URL, apiCall{name: "no token", method: "GET", path: "/api/v1/stories", status: 401})
	conform(t, router, locked.URL, apiCall{name: "token", method: "GET", path: "/api/v1/stories", header: http.Header{"Authorization": {"Bearer 0123456789abcdef0123"}}, status: 200})
}

// withoutOwnURL removes the URL a page declares as its own (canonical link, og:url),
// so that it can be posted for a URL of another site without being refused.
func withoutOwnURL(html string) string {
	return regexp.MustCompile(`<link rel="canonical"[^>]*>|<meta property="og:url"[^>]*>`).ReplaceAllString(html, "")
}
