package canon

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzURL checks the properties every key must have, whatever the input: URL never
// panics, and when it succeeds its result is stable (URL(out) == out), parses, is http or
// https with a host, and carries no fragment and no utm_ parameter.
func FuzzURL(f *testing.F) {
	for _, tc := range urlCases {
		f.Add(tc.in)
	}
	for _, s := range []string{
		"javascript:alert(1)", "https://", "http://[::1]:80/", "https://a.b/%zz?%",
		"https://www.google.com/amp/s/www.google.com/amp/s/amp.example.com/a/amp",
		"https://x.cdn.ampproject.org/c/s/x.com/..amp?amp=1&utm_x=1#f",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := URL(in)
		if err != nil {
			return
		}
		again, err := URL(out)
		if err != nil {
			t.Fatalf("URL(%q) = %q, which URL rejects: %v", in, out, err)
		}
		if again != out {
			t.Fatalf("not idempotent: URL(%q) = %q, URL(%q) = %q", in, out, out, again)
		}
		u, err := url.Parse(out)
		if err != nil {
			t.Fatalf("URL(%q) = %q, which does not parse: %v", in, out, err)
		}
		if u.Scheme != "https" && u.Scheme != "http" {
			t.Errorf("URL(%q) = %q: scheme %q", in, out, u.Scheme)
		}
		if u.Host == "" || u.User != nil {
			t.Errorf("URL(%q) = %q: want a host and no userinfo", in, out)
		}
		if strings.Contains(out, "#") || u.Fragment != "" {
			t.Errorf("URL(%q) = %q: has a fragment", in, out)
		}
		if len(out) > MaxLength {
			t.Errorf("URL(%q) is %d bytes long", in, len(out))
		}
		for key := range u.Query() {
			if strings.HasPrefix(strings.ToLower(key), "utm_") {
				t.Errorf("URL(%q) = %q: keeps %q", in, out, key)
			}
		}
	})
}
