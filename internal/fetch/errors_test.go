package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"syscall"
	"testing"
)

func TestStatusErrorMatching(t *testing.T) {
	t.Parallel()
	var err error = &StatusError{Code: 503, RetryAfter: 30e9}
	wrapped := errors.Join(errors.New("context"), err)
	if !errors.Is(wrapped, ErrStatus) {
		t.Error("errors.Is(StatusError, ErrStatus) = false")
	}
	for _, other := range []error{ErrUnreachable, ErrTimeout, ErrInvalidURL} {
		if errors.Is(wrapped, other) {
			t.Errorf("StatusError matches %v", other)
		}
	}
	if got, want := err.Error(), "site answered 503 Service Unavailable (retry after 30s)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestErrorLogValue: users see a short message; slog shows operators the cause.
func TestErrorLogValue(t *testing.T) {
	t.Parallel()
	g := &guard{}
	err := classify(context.Background(), g.control("tcp4", "10.0.0.1:80", nil), "intranet.example", 0)
	if !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("err = %v, want ErrBlockedAddress", err)
	}
	if strings.Contains(err.Error(), "10.0.0.1") || !strings.Contains(err.Error(), "intranet.example") {
		t.Errorf("Error() = %q: want the host, not the address", err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("fetch failed", slog.Any("err", err))
	if !strings.Contains(buf.String(), "10.0.0.1:80") {
		t.Errorf("log %q lacks the refused address", buf.String())
	}

	refused := classify(context.Background(), syscall.ECONNREFUSED, "example.com", 0)
	if !errors.Is(refused, ErrUnreachable) || !errors.Is(refused, syscall.ECONNREFUSED) {
		t.Errorf("classify(ECONNREFUSED) = %v: want ErrUnreachable with the cause reachable", refused)
	}
}

// TestReason: callers that word their own message (feeds) get fetch's reason
// without the "fetch: " prefix and the host, however the error is wrapped.
func TestReason(t *testing.T) {
	t.Parallel()
	c := New(Options{MaxBytes: 64 << 10})
	_, badPort := c.checkURL("https://a.example:99999/", ErrUnreachable)
	_, badURL := c.checkURL("http://[::1/", ErrUnreachable)
	tests := []struct {
		name          string
		err           error
		reason, limit string
	}{
		{"with host", classify(context.Background(), syscall.ECONNREFUSED, "a.example", 0), "connection refused", ""},
		{"IPv6 host", classify(context.Background(), syscall.ECONNREFUSED, "::1", 0), "connection refused", ""},
		{"without host", (&guard{}).check(netip.MustParseAddrPort("10.0.0.1:80"), ""),
			"address not allowed (private, local or reserved network)", ""},
		{"redirect with host", badPort, "redirected to an unusable URL: invalid port", ""},
		{"redirect without host", badURL, "redirected to an unusable URL: not a valid URL", ""},
		{"too large", c.tooLarge("a.example"), "answer is larger than the 64 KiB limit", "64 KiB"},
		{"wrapped", fmt.Errorf("feeds: a.example: %w", c.tooLarge("a.example")), "answer is larger than the 64 KiB limit", "64 KiB"},
		{"status", fmt.Errorf("fetch: a.example: %w", &StatusError{Code: 404}), "site answered 404 Not Found", ""},
		{"canceled", classify(context.Background(), context.Canceled, "a.example", 0), "", ""},
		{"not from fetch", errors.New("fetch: a.example: made up"), "", ""},
		{"nil", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Reason(tt.err); got != tt.reason {
				t.Errorf("Reason(%v) = %q, want %q", tt.err, got, tt.reason)
			}
			if got := SizeLimit(tt.err); got != tt.limit {
				t.Errorf("SizeLimit(%v) = %q, want %q", tt.err, got, tt.limit)
			}
		})
	}
}
