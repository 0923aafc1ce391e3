package main

import (
	"strings"
	"testing"
)

func TestDecodeLookupBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		url, html  string // html "-" for none
		code, msg  string // the error's code and a part of its message, "" for none
	}{
		{"url", `{"url": "https://www.bbc.co.uk/news/a"}`, "https://www.bbc.co.uk/news/a", "-", "", ""},
		{"url and page", `{"url": " https://x.example/a ", "html": "<p>Hi</p>"}`, "https://x.example/a", "<p>Hi</p>", "", ""},
		{"null page", `{"url": "https://x.example/a", "html": null}`, "https://x.example/a", "-", "", ""},
		{"unknown fields are ignored", `{"url": "https://x.example/a", "lang": "en"}`, "https://x.example/a", "-", "", ""},
		{"white space after", "{\"url\": \"https://x.example/a\"}\n\n", "https://x.example/a", "-", "", ""},
		{"empty", ``, "", "", "invalid_request", "must be a JSON object"},
		{"no url", `{}`, "", "", "missing_url", "url field"},
		{"blank url", `{"url": "  "}`, "", "", "missing_url", "url field"},
		{"null", `null`, "", "", "missing_url", "url field"},
		{"an array", `[{"url": "https://x.example/a"}]`, "", "", "invalid_request", "must be a JSON object"},
		{"a string", `"https://x.example/a"`, "", "", "invalid_request", "must be a JSON object"},
		{"url a number", `{"url": 42}`, "", "", "invalid_request", `The field "url" must be a string.`},
		{"page an object", `{"url": "https://x.example/a", "html": {}}`, "", "", "invalid_request", `The field "html" must be a string.`},
		{"cut short", `{"url": "https://x.exa`, "", "", "invalid_request", "ends before the object is closed"},
		{"bad JSON", `{nope`, "", "", "invalid_request", "not valid JSON: invalid character 'n'"},
		{"two objects", `{"url": "https://x.example/a"} {"url": "https://x.example/b"}`, "", "", "invalid_request", "nothing after it"},
		{"garbage after", `{"url": "https://x.example/a"} x`, "", "", "invalid_request", "nothing after it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := decodeLookupBody(strings.NewReader(tt.body))
			if tt.code != "" {
				ae := toAPIError(err)
				if err == nil || ae.Status != 400 || ae.Code != tt.code || !strings.Contains(ae.Message, tt.msg) {
					t.Fatalf("error %v, want 400 %s saying %q", err, tt.code, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			html := "-"
			if r.HTML != nil {
				html = string(r.HTML)
			}
			if r.URL != tt.url || html != tt.html {
				t.Errorf("request %q with page %q, want %q and %q", r.URL, html, tt.url, tt.html)
			}
		})
	}
}
