package store_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
)

// TestPingCluster: on a Redis Cluster, Ping (what /readyz asks) fails with
// ErrClusterDown while a hash slot has no master, and succeeds once every slot is
// served. One cluster-enabled redis-server of its own, on free loopback ports,
// given its slots in two halves (skipped without redis-server, except in CI).
func TestPingCluster(t *testing.T) {
	t.Parallel()
	needRedisServer(t, "a cluster node")
	dir := t.TempDir()
	port, bus := freePort(t), freePort(t)
	startRedis(t, dir, "node", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
		"--cluster-port", strconv.Itoa(bus), "--cluster-config-file", dir+"/nodes.conf")
	ctx := context.Background()
	r, err := store.Open(ctx, store.Options{URL: fmt.Sprintf("redis://127.0.0.1:%d?cluster=true", port), Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	// pingUntil pings until the error satisfies ok, and returns the last one: the
	// store re-reads the slot map after a failed ping, so a change shows within a
	// ping or two.
	pingUntil := func(want string, ok func(error) bool) error {
		t.Helper()
		var err error
		for range 100 {
			if err = r.Ping(ctx); ok(err) {
				return err
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("Ping = %v, want %s", err, want)
		return nil
	}
	down := func(reason string) func(error) bool {
		return func(err error) bool {
			return errors.Is(err, store.ErrClusterDown) && strings.Contains(err.Error(), reason)
		}
	}
	err = pingUntil("ErrClusterDown with no slots served", down("no master serves any slot"))
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("ErrClusterDown does not wrap ErrUnavailable: %v", err)
	}
	addSlots := func(lo, hi int) {
		t.Helper()
		if out, err := exec.Command("redis-cli", "-p", strconv.Itoa(port), "cluster", "addslotsrange", strconv.Itoa(lo), strconv.Itoa(hi)).CombinedOutput(); err != nil || !strings.Contains(string(out), "OK") {
			t.Fatalf("cluster addslotsrange %d %d: %v %s", lo, hi, err, out)
		}
	}
	addSlots(0, 8191)
	pingUntil("ErrClusterDown with half the slots served", down("cluster_state:fail"))
	addSlots(8192, 16383)
	pingUntil("nil with every slot served", func(err error) bool { return err == nil })
}
