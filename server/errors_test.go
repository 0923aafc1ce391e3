package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/parallax-news/parallax/internal/extract"
	"github.com/parallax-news/parallax/internal/store"
)

// TestToAPIError: errors that are not the server's failure never become a 500.
func TestToAPIError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"reader went away", fmt.Errorf("lookup: stopped waiting: %w", context.Canceled), statusClientClosed, "canceled"},
		{"reader's deadline", fmt.Errorf("lookup: %w", context.DeadlineExceeded), http.StatusGatewayTimeout, "timeout"},
		{"store down", fmt.Errorf("store: view: %w", store.ErrUnavailable), http.StatusServiceUnavailable, "store_unavailable"},
		{"a slot without a master", fmt.Errorf("store: ping: %w: master 127.0.0.1:7000: connection refused", store.ErrClusterDown), http.StatusServiceUnavailable, "cluster_down"},
		{"unknown", errors.New("boom"), http.StatusInternalServerError, "internal"},
		{"page over the CPU budget", fmt.Errorf("lookup: %w", &extract.ComplexityError{What: extract.CPUTime, Limit: 50}), http.StatusUnprocessableEntity, "page_too_complex"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ae := toAPIError(tt.err)
			if ae.Status != tt.status || ae.Code != tt.code {
				t.Errorf("toAPIError(%v) = %d %s, want %d %s", tt.err, ae.Status, ae.Code, tt.status, tt.code)
			}
		})
	}
}
