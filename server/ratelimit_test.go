package main

import (
	"crypto/sha256"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestClientLimits(t *testing.T) {
	t.Parallel()
	l := newClientLimits(1, 2) // one a second, two at once
	a, b := sha256.Sum256([]byte("a")), sha256.Sum256([]byte("b"))
	now := time.Unix(1_000_000, 0)
	steps := []struct {
		client [32]byte
		at     time.Duration
		ok     bool
	}{
		{a, 0, true}, {a, 0, true}, {a, 0, false}, // the burst, then refused
		{b, 0, true},                       // another client has its own bucket
		{a, 500 * time.Millisecond, false}, // half a token
		{a, time.Second, true},             // one second on: one more
		{a, time.Second, false},
	}
	for i, s := range steps {
		ok, wait := l.reserve(s.client, now.Add(s.at))
		if ok != s.ok {
			t.Fatalf("step %d: ok = %v, want %v", i, ok, s.ok)
		}
		if !ok && (wait <= 0 || wait > time.Second) {
			t.Errorf("step %d: wait %s, want (0, 1s]", i, wait)
		}
	}
	// Once their buckets are full again, clients are forgotten.
	l.sweep(now.Add(time.Hour))
	if n := len(l.clients); n != 0 {
		t.Errorf("%d clients kept after an hour idle", n)
	}
}

// TestClientLimitsBounded: more clients than maxClients share the overflow bucket
// rather than grow the map.
func TestClientLimitsBounded(t *testing.T) {
	t.Parallel()
	l := newClientLimits(1, 1)
	now := time.Unix(1_000_000, 0)
	for i := range maxClients + 10 {
		l.reserve(sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16)}), now)
	}
	if n := len(l.clients); n > maxClients {
		t.Errorf("%d clients tracked, limit %d", n, maxClients)
	}
}

// TestRateLimit: a client over its rate gets 429 with Retry-After on lookups;
// another token is not affected, and reading stories is never limited.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	const tokA, tokB = "token-a-0123456789abcdef", "token-b-0123456789abcdef"
	_, ts := startServer(t, testConfig(t, map[string]string{
		"PARALLAX_CLIENT_RATE": "0.01", "PARALLAX_CLIENT_BURST": "2", "PARALLAX_API_TOKENS": tokA + "," + tokB,
	}))
	do := func(method, path, token string) *http.Response {
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(`{"url":"not-a-url"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i, want := range []int{400, 400, 429} {
		if resp := do("POST", "/api/v1/lookup", tokA); resp.StatusCode != want {
			t.Fatalf("lookup %d with token A: %d, want %d", i+1, resp.StatusCode, want)
		} else if want == 429 && resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if resp := do("GET", "/api/v1/lookup?url=not-a-url", tokB); resp.StatusCode != 400 {
		t.Errorf("token B's first lookup: %d, want 400 (not limited by A's use)", resp.StatusCode)
	}
	for range 5 {
		if resp := do("GET", "/api/v1/stories/snope", tokA); resp.StatusCode != 404 {
			t.Fatalf("reading a story while limited: %d, want 404", resp.StatusCode)
		}
	}
}
