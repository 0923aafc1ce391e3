// Package storetest opens stores for tests of packages that use the index: each
// test gets one on the real Redis (under a key prefix of its own, purged afterwards)
// and one on the embedded store, so behaviour is checked on both.
package storetest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
)

// EnvRedisURL overrides the real Redis the tests use (default
// redis://127.0.0.1:6379/0, which CI starts). "none" skips the real-Redis variants.
const EnvRedisURL = "PARALLAX_TEST_REDIS_URL"

// RedisURL returns the real Redis URL for tests.
func RedisURL() string {
	if u := os.Getenv(EnvRedisURL); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// Backend is one kind of store.
type Backend struct {
	Name string
	Open func(t testing.TB, opts store.Options) *store.Redis
}

// Backends returns the real Redis and the embedded store.
func Backends() []Backend {
	return []Backend{{"redis", OpenRedis}, {"embedded", OpenEmbedded}}
}

// OpenRedis opens the real Redis under a fresh prefix and purges it when the test
// ends. A Redis that does not answer fails the test: store behaviour must be checked
// against the real thing.
func OpenRedis(t testing.TB, opts store.Options) *store.Redis {
	t.Helper()
	if RedisURL() == "none" {
		t.Skipf("%s=none: skipping the real-Redis variant", EnvRedisURL)
	}
	opts.URL = RedisURL()
	if opts.Prefix == "" {
		name := strings.NewReplacer("/", "-", " ", "-", "{", "", "}", "").Replace(t.Name())
		opts.Prefix = fmt.Sprintf("{pxtest-%s-%d}:", name, time.Now().UnixNano())
	}
	r, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Ping(context.Background()); err != nil {
		t.Fatalf("real Redis at %s does not answer (%v); start one or set %s", opts.URL, err, EnvRedisURL)
	}
	t.Cleanup(func() {
		if err := r.Purge(context.Background()); err != nil {
			t.Errorf("purge test keys: %v", err)
		}
		r.Close()
	})
	return r
}

// OpenEmbedded opens an embedded store in a temporary folder (opts.DataDir when set).
func OpenEmbedded(t testing.TB, opts store.Options) *store.Redis {
	t.Helper()
	opts.URL = ""
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	r, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}
