package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	tests := []struct {
		name, method, path, origin string
		wantAllowed                bool
	}{
		{"chrome preflight", "OPTIONS", "/api/v1/lookup", "chrome-extension://abcdefghijklmnop", true},
		{"firefox preflight", "OPTIONS", "/api/v1/lookup", "moz-extension://1234-5678", true},
		{"chrome readyz", "GET", "/readyz", "chrome-extension://abcdefghijklmnop", true},
		{"web page", "OPTIONS", "/api/v1/lookup", "https://evil.example", false},
		{"web page readyz", "GET", "/readyz", "https://evil.example", false},
		{"extension on metrics", "GET", "/metrics", "chrome-extension://abcdefghijklmnop", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, ts.URL+tt.path, nil)
			req.Header.Set("Origin", tt.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "content-type,authorization")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("Access-Control-Allow-Origin")
			if tt.wantAllowed && got != tt.origin {
				t.Errorf("Allow-Origin = %q, want %q", got, tt.origin)
			}
			if !tt.wantAllowed && got != "" {
				t.Errorf("Allow-Origin = %q, want none", got)
			}
			if tt.wantAllowed && tt.method == "OPTIONS" && !strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "authorization") {
				t.Errorf("preflight does not allow the Authorization header: %v", resp.Header)
			}
		})
	}
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	const token = "0123456789abcdef0123456789abcdef"
	_, ts := startServer(t, testConfig(t, map[string]string{"PARALLAX_API_TOKENS": "another-token-0123456789," + token}))
	tests := []struct {
		name, path, auth string
		status           int
	}{
		{"no token", "/api/v1/stories/snope", "", 401},
		{"wrong token", "/api/v1/stories/snope", "Bearer 0123456789abcdef0123456789abcdeX", 401},
		{"basic auth", "/api/v1/stories/snope", "Basic " + token, 401},
		{"token", "/api/v1/stories/snope", "Bearer " + token, 404},
		// RFC 9110 §11.1: the scheme is case-insensitive; §11.4: 1*SP after it.
		{"lower-case scheme", "/api/v1/stories/snope", "bearer " + token, 404},
		{"upper-case scheme", "/api/v1/stories/snope", "BEARER " + token, 404},
		{"spaces after the scheme", "/api/v1/stories/snope", "Bearer   " + token, 404},
		{"scheme only", "/api/v1/stories/snope", "Bearer", 401},
		{"scheme and spaces only", "/api/v1/stories/snope", "Bearer    ", 401},
		{"no space after the scheme", "/api/v1/stories/snope", "Bearer" + token, 401},
		{"other scheme ending in bearer", "/api/v1/stories/snope", "XBearer " + token, 401},
		{"second token", "/api/v1/stories/snope", "Bearer another-token-0123456789", 404},
		{"health stays open", "/healthz", "", 200},
		{"readiness stays open", "/readyz", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.URL+tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := decode(t, resp)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d %v, want %d", resp.StatusCode, body, tt.status)
			}
			if tt.status == 401 && path(body, "error", "code") != "unauthorized" {
				t.Errorf("body %v", body)
			}
		})
	}
	// A preflight needs no token (browsers send none).
	req, _ := http.NewRequest("OPTIONS", ts.URL+"/api/v1/lookup", nil)
	req.Header.Set("Origin", "chrome-extension://abc")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("preflight status %d, want 204", resp.StatusCode)
	}
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header, token string
		ok            bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer abc", "abc", true},
		{"BeArEr abc", "abc", true},
		{"Bearer    abc  ", "abc", true},
		{"  Bearer abc", "abc", true},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Bearerabc", "", false},
		{"Basic abc", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			t.Parallel()
			token, ok := bearerToken(tt.header)
			if token != tt.token || ok != tt.ok {
				t.Errorf("bearerToken(%q) = %q, %v; want %q, %v", tt.header, token, ok, tt.token, tt.ok)
			}
		})
	}
}
