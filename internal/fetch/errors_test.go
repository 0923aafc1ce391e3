package fetch

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
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
