// Package storetest opens stores for tests of packages that use the index: each
// test gets one on the real Redis (under a key prefix of its own, purged afterwards),
// one on a Redis Cluster (when one is configured) and one on the embedded store, so
// behaviour is checked on all three.
package storetest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/corpus"
	"github.com/parallax-news/parallax/internal/store"
)

// EnvRedisURL overrides the real Redis the tests use (default
// redis://127.0.0.1:6379/0, which CI starts). "none" skips the real-Redis variants.
const EnvRedisURL = "PARALLAX_TEST_REDIS_URL"

// EnvRedisClusterURL names the Redis Cluster the cluster variants use, in
// PARALLAX_REDIS_URL's form (.ci/cluster prints it; .ci/run starts one and sets it).
// Unset skips them, except in CI, where it fails: CI must prove the cluster works.
const EnvRedisClusterURL = "PARALLAX_TEST_REDIS_CLUSTER_URL"

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

// Backends returns the real Redis, the embedded store and the Redis Cluster. The
// single Redis stays first: tests that need one real backend take Backends()[0].
func Backends() []Backend {
	return []Backend{{"redis", OpenRedis}, {"embedded", OpenEmbedded}, {"cluster", OpenCluster}}
}

// OpenRedis opens the real Redis under a fresh prefix and purges it when the test
// ends. A Redis that does not answer fails the test: store behaviour must be checked
// against the real thing.
func OpenRedis(t testing.TB, opts store.Options) *store.Redis {
	t.Helper()
	if RedisURL() == "none" {
		t.Skipf("%s=none: skipping the real-Redis variant", EnvRedisURL)
	}
	return openURL(t, RedisURL(), EnvRedisURL, opts)
}

// OpenCluster opens the Redis Cluster of EnvRedisClusterURL as OpenRedis opens the
// single Redis. Without one it skips, or fails in CI.
func OpenCluster(t testing.TB, opts store.Options) *store.Redis {
	t.Helper()
	u := os.Getenv(EnvRedisClusterURL)
	if u == "" {
		if os.Getenv(corpus.EnvCI) == "true" {
			t.Fatalf("%s is unset; CI must run the store against a Redis Cluster (.ci/run starts one)", EnvRedisClusterURL)
		}
		t.Skipf("skipping the Redis Cluster variant: set %s (.ci/cluster start DIR prints one)", EnvRedisClusterURL)
	}
	return openURL(t, u, EnvRedisClusterURL, opts)
}

// openURL opens the Redis at u under a fresh prefix, purged when the test ends.
func openURL(t testing.TB, u, env string, opts store.Options) *store.Redis {
	t.Helper()
	opts.URL = u
	if opts.Prefix == "" {
		name := strings.NewReplacer("/", "-", " ", "-", "{", "", "}", "").Replace(t.Name())
		// No hash tag of its own, as the default prefix: on the cluster the
		// test's keys spread over the slots as a deployment's do.
		opts.Prefix = fmt.Sprintf("pxtest-%s-%d:", name, time.Now().UnixNano())
	}
	r, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Ping(context.Background()); err != nil {
		t.Fatalf("real Redis at %s does not answer (%v); start one or set %s", opts.URL, err, env)
	}
	t.Cleanup(func() {
		// Close first: it writes the document counts still pending, which a purge
		// before it would leave behind. Then purge through a store of its own,
		// which has none.
		if err := r.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		p, err := store.Open(context.Background(), store.Options{URL: u, Prefix: opts.Prefix})
		if err != nil {
			t.Errorf("purge test keys: %v", err)
			return
		}
		if err := p.Purge(context.Background()); err != nil {
			t.Errorf("purge test keys: %v", err)
		}
		p.Close()
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
