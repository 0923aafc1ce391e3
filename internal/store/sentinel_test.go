package store_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/corpus"
	"github.com/parallax-news/parallax/internal/store"
)

// TestSentinelPassword: a Sentinel that requires a password of its own is reached
// with sentinel_password from the URL, and refuses a client without it. It starts
// a redis-server and a sentinel on free loopback ports (skipped without
// redis-server, except in CI).
func TestSentinelPassword(t *testing.T) {
	t.Parallel()
	needRedisServer(t, "a sentinel")
	dir := t.TempDir()
	master, sentinel := freePort(t), freePort(t)
	startRedis(t, dir, "master", "--port", strconv.Itoa(master), "--requirepass", "data-secret")
	conf := filepath.Join(dir, "sentinel.conf")
	// A sentinel rewrites its configuration file, so it gets one of its own.
	if err := os.WriteFile(conf, fmt.Appendf(nil, "port %d\nbind 127.0.0.1\nrequirepass sentinel-secret\n"+
		"sentinel monitor px 127.0.0.1 %d 1\nsentinel auth-pass px data-secret\n", sentinel, master), 0o600); err != nil {
		t.Fatal(err)
	}
	startRedis(t, dir, "sentinel", conf, "--sentinel")

	ctx := context.Background()
	// The working case first: it waits for the sentinel to answer.
	base := fmt.Sprintf("redis://:data-secret@127.0.0.1:%d?master_name=px", sentinel)
	tests := []struct {
		name  string
		url   string
		ready bool
		// refusal is the sentinel's reply the error must carry, for the log.
		refusal string
	}{
		{"with the sentinel's password", base + "&sentinel_password=sentinel-secret", true, ""},
		{"without it", base, false, "NOAUTH"},
		{"with a wrong one", base + "&sentinel_password=nope", false, "WRONGPASS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := store.Open(ctx, store.Options{URL: tt.url, Prefix: "{pxtest-sentinel}:", Retention: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			// The sentinel may take a moment to answer after it starts.
			var ping error
			for range 50 {
				if ping = r.Ping(ctx); ping == nil || !tt.ready {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if tt.ready && ping != nil {
				t.Fatalf("Ping = %v, want the master through the sentinel", ping)
			}
			if !tt.ready && (ping == nil || !strings.Contains(ping.Error(), tt.refusal)) {
				t.Fatalf("Ping = %v, want the sentinel's %s", ping, tt.refusal)
			}
			if tt.ready {
				if err := r.SetProbe(ctx, 8); err != nil {
					t.Fatalf("write through the sentinel's master: %v", err)
				}
			}
		})
	}
}

// needRedisServer skips the test when this machine has no redis-server to run
// what (a cluster node, a sentinel) with; CI must have one.
func needRedisServer(t *testing.T, what string) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv(corpus.EnvCI) == "true" {
			t.Fatalf("CI must have redis-server: %v", err)
		}
		t.Skipf("skipping: no redis-server to run %s with: %v", what, err)
	}
}

// startRedis starts a redis-server (or sentinel) as a child process, killed when the
// test ends. The first case of TestSentinelPassword waits for it to answer, so the
// cases that expect a refusal do not pass by finding nothing there.
func startRedis(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command("redis-server", append(args, "--save", "", "--dir", dir, "--logfile", filepath.Join(dir, name+".log"))...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
