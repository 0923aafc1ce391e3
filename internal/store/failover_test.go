package store_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
)

// EnvFailover turns TestFailover on: it starts a Redis Cluster of its own (six
// redis-server processes through .ci/cluster), so it runs only when asked.
const EnvFailover = "PARALLAX_TEST_FAILOVER"

// Bounds of TestFailover. The window after the promotion defaults to 30 s
// (PARALLAX_TEST_FAILOVER_WINDOW overrides it, up to failoverMaxWindow): issue 16
// measured 25-35 s of errors from the kill with go-redis's default options, whose
// slot map is re-read every 60 s, so measuring those takes a longer window.
const (
	failoverWarmup     = 3 * time.Second
	failoverWindow     = 30 * time.Second
	failoverMaxWindow  = 2 * time.Minute
	failoverPromotion  = 30 * time.Second // a replica must take over within this of the kill
	failoverWriters    = 4
	failoverReaders    = 4
	failoverPace       = 10 * time.Millisecond // between one worker's calls
	failoverNodeTimout = "3000"                // ms, cluster-node-timeout as issue 16 measured
)

// failoverOp is one store call of the load: when it ended and how.
type failoverOp struct {
	at  time.Time
	err error
}

// TestFailover kills -9 a master of the cluster the index spreads over while writers add
// articles and readers read them, and reports how long after the replica's
// promotion store calls kept failing. It fails when an article whose add was
// acknowledged is missing afterwards, or when calls still fail at the end of the
// window (the client never found the new master). Loopback only; bounded by the
// warm-up, the promotion bound and the window.
//
//	PARALLAX_TEST_FAILOVER=1 go test -run TestFailover -v ./internal/store
func TestFailover(t *testing.T) {
	if os.Getenv(EnvFailover) == "" {
		t.Skipf("skipping: set %s=1 to kill a master of a Redis Cluster of its own under load (about a minute)", EnvFailover)
	}
	window := failoverWindow
	if v := os.Getenv(EnvFailover + "_WINDOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > failoverMaxWindow {
			t.Fatalf("%s_WINDOW=%q: want a duration up to %s", EnvFailover, v, failoverMaxWindow)
		}
		window = d
	}
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s=1 needs %s: %v", EnvFailover, bin, err)
		}
	}
	base := freeClusterPorts(t)
	dir := t.TempDir()
	script, err := filepath.Abs("../../.ci/cluster")
	if err != nil {
		t.Fatal(err)
	}
	start := exec.Command(script, "start", filepath.Join(dir, "cluster"), strconv.Itoa(base))
	start.Env = append(os.Environ(), "CLUSTER_NODE_TIMEOUT="+failoverNodeTimout)
	out, err := start.Output()
	if err != nil {
		t.Fatalf(".ci/cluster start: %v\n%s", err, exitStderr(err))
	}
	t.Cleanup(func() {
		if out, err := exec.Command(script, "stop", filepath.Join(dir, "cluster")).CombinedOutput(); err != nil {
			t.Errorf(".ci/cluster stop: %v\n%s", err, out)
		}
	})
	url := strings.TrimSpace(string(out))

	// A prefix without a tag of its own, as a deployment's: the index spreads over
	// the masters, and the one killed serves the posting list two of the writers
	// share (the bucket of event0, see postingBuckets) with a third of everything
	// else.
	prefix := fmt.Sprintf("pxfailover-%d:", time.Now().UnixNano())
	r, err := store.Open(context.Background(), store.Options{URL: url, Prefix: prefix, Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	master, replica := slotNodes(t, base, store.PostingTag("event0"))
	t.Logf("the slot of the posting list of event0 is served by 127.0.0.1:%d (pid %d), replica 127.0.0.1:%d", master.port, master.pid, replica.port)

	ctx, stop := context.WithCancel(context.Background())
	var (
		mu    sync.Mutex
		ops   []failoverOp
		acked []string
		pings []failoverOp
		wg    sync.WaitGroup
	)
	record := func(err error) {
		mu.Lock()
		ops = append(ops, failoverOp{time.Now(), err})
		mu.Unlock()
	}
	for w := range failoverWriters {
		wg.Go(func() {
			term := fmt.Sprintf("event%d", w%2) // two stories grow, shared by two writers each
			for i := 0; ctx.Err() == nil; i++ {
				a, p := article(fmt.Sprintf("https://www.example.com/%d/%d", w, i), "Bridge collapses", "A bridge collapsed.")
				_, err := addWithRetry(ctx, r, a, p, term)
				if ctx.Err() != nil {
					return
				}
				record(err)
				if err == nil {
					mu.Lock()
					acked = append(acked, a.URL)
					mu.Unlock()
				}
				time.Sleep(failoverPace)
			}
		})
	}
	for range failoverReaders {
		wg.Go(func() {
			for ctx.Err() == nil {
				mu.Lock()
				var u string
				if len(acked) > 0 {
					u = acked[rand.IntN(len(acked))]
				}
				mu.Unlock()
				if u != "" {
					_, _, err := r.StoryByArticleURL(ctx, u, 10)
					if ctx.Err() != nil {
						return
					}
					record(err)
				}
				time.Sleep(failoverPace)
			}
		})
	}
	// /readyz asks Ping; how it answers through the failover is reported too.
	wg.Go(func() {
		for ctx.Err() == nil {
			err := r.Ping(ctx)
			if ctx.Err() != nil {
				return
			}
			mu.Lock()
			pings = append(pings, failoverOp{time.Now(), err})
			mu.Unlock()
			time.Sleep(100 * time.Millisecond)
		}
	})

	time.Sleep(failoverWarmup)
	if err := syscall.Kill(master.pid, syscall.SIGKILL); err != nil {
		stop()
		wg.Wait()
		t.Fatalf("kill -9 %d: %v", master.pid, err)
	}
	killed := time.Now()
	promoted, ok := waitPromotion(replica.port, killed.Add(failoverPromotion))
	if !ok {
		stop()
		wg.Wait()
		t.Fatalf("127.0.0.1:%d was not promoted within %s of the kill", replica.port, failoverPromotion)
	}
	time.Sleep(window)
	stop()
	wg.Wait()
	end := time.Now()

	var (
		lastErr, firstErr time.Time
		failed, total     int
		kinds             = map[string]int{}
	)
	for _, op := range ops {
		if op.at.Before(killed) {
			continue
		}
		total++
		if op.err == nil {
			continue
		}
		failed++
		kinds[errKind(op.err)]++
		if firstErr.IsZero() {
			firstErr = op.at
		}
		lastErr = op.at
	}
	var pingFirst, pingLast time.Time
	for _, p := range pings {
		if p.err != nil && !p.at.Before(killed) {
			if pingFirst.IsZero() {
				pingFirst = p.at
			}
			pingLast = p.at
		}
	}
	t.Logf("promotion %.1fs after the kill", promoted.Sub(killed).Seconds())
	if failed > 0 {
		t.Logf("%d of %d calls after the kill failed, from %.1fs to %.1fs after it; errors stopped %.1fs after the promotion",
			failed, total, firstErr.Sub(killed).Seconds(), lastErr.Sub(killed).Seconds(), lastErr.Sub(promoted).Seconds())
	} else {
		t.Logf("none of %d calls after the kill failed", total)
	}
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		t.Logf("  %5d  %s", kinds[k], k)
	}
	if pingLast.IsZero() {
		t.Errorf("Ping never failed: /readyz would not have shown the outage")
	} else {
		t.Logf("Ping (/readyz) failed from %.1fs after the kill to %.1fs after the promotion",
			pingFirst.Sub(killed).Seconds(), pingLast.Sub(promoted).Seconds())
	}
	if failed > 0 && end.Sub(lastErr) < time.Second {
		t.Errorf("calls still failed at the end of the %s window after the promotion: the client did not find the new master", window)
	}

	// Every acknowledged article must be there, in a story.
	mu.Lock()
	defer mu.Unlock()
	lost := 0
	for _, u := range acked {
		if _, sid, err := r.ArticleByURL(context.Background(), u); err != nil || sid == "" {
			lost++
			if lost <= 5 {
				t.Errorf("acknowledged article %s: story %q, %v", u, sid, err)
			}
		}
	}
	t.Logf("%d articles acknowledged, %d lost", len(acked), lost)
}

// clusterNode is one redis-server of the test's cluster.
type clusterNode struct {
	port, pid int
}

// freeClusterPorts finds six consecutive loopback ports whose cluster bus ports
// (+10000) are free too. Another process may take one before the cluster starts;
// .ci/cluster then fails naming it.
func freeClusterPorts(t *testing.T) int {
	t.Helper()
	for range 20 {
		base := 20000 + rand.IntN(20000)
		free := true
		for i := range 6 {
			for _, p := range []int{base + i, base + i + 10000} {
				l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
				if err != nil {
					free = false
					break
				}
				l.Close()
			}
		}
		if free {
			return base
		}
	}
	t.Fatal("no six free loopback ports for a cluster")
	return 0
}

// slotNodes returns the master serving the hash tag's slot and its replica.
func slotNodes(t *testing.T, base int, tag string) (master, replica clusterNode) {
	t.Helper()
	slot, err := strconv.Atoi(cli(t, base, "cluster", "keyslot", tag))
	if err != nil {
		t.Fatal(err)
	}
	var masterID string
	lines := strings.Split(cli(t, base, "cluster", "nodes"), "\n")
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) < 9 || !strings.Contains(f[2], "master") {
			continue
		}
		for _, rng := range f[8:] {
			lo, hi, _ := strings.Cut(rng, "-")
			l, err1 := strconv.Atoi(lo)
			h, err2 := strconv.Atoi(hi)
			if hi == "" {
				h, err2 = l, nil
			}
			if err1 == nil && err2 == nil && l <= slot && slot <= h {
				masterID, master.port = f[0], addrPort(t, f[1])
			}
		}
	}
	for _, line := range lines {
		if f := strings.Fields(line); len(f) > 3 && f[3] == masterID && strings.Contains(f[2], "slave") {
			replica.port = addrPort(t, f[1])
		}
	}
	if master.port == 0 || replica.port == 0 {
		t.Fatalf("no master and replica for slot %d in:\n%s", slot, strings.Join(lines, "\n"))
	}
	for _, kv := range strings.Split(cli(t, master.port, "info", "server"), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(kv), "process_id:"); ok {
			master.pid, _ = strconv.Atoi(v)
		}
	}
	if master.pid == 0 {
		t.Fatalf("no process_id from 127.0.0.1:%d", master.port)
	}
	return master, replica
}

// waitPromotion polls the replica until it reports itself a master, or the deadline.
func waitPromotion(port int, deadline time.Time) (time.Time, bool) {
	for time.Now().Before(deadline) {
		out, err := exec.Command("redis-cli", "-p", strconv.Itoa(port), "role").Output()
		if err == nil && strings.HasPrefix(string(out), "master") {
			return time.Now(), true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Time{}, false
}

// cli runs redis-cli against a loopback port and returns its trimmed output.
func cli(t *testing.T, port int, args ...string) string {
	t.Helper()
	out, err := exec.Command("redis-cli", append([]string{"-p", strconv.Itoa(port)}, args...)...).Output()
	if err != nil {
		t.Fatalf("redis-cli %v: %v\n%s", args, err, exitStderr(err))
	}
	return strings.TrimSpace(string(out))
}

// addrPort reads the port of a CLUSTER NODES address (ip:port@busport).
func addrPort(t *testing.T, addr string) int {
	t.Helper()
	addr, _, _ = strings.Cut(addr, "@")
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// errKind groups errors for the report: the message without addresses and ids.
func errKind(err error) string {
	s := err.Error()
	switch {
	case errors.Is(err, store.ErrTimeout):
		return "timeout: " + lastPart(s)
	case errors.Is(err, store.ErrUnavailable):
		return "unavailable: " + lastPart(s)
	}
	return lastPart(s)
}

// lastPart keeps the end of an error chain, without port numbers.
func lastPart(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		s = s[i+2:]
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '#'
		}
		return r
	}, s)
}

// exitStderr is what a failed command printed to standard error.
func exitStderr(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(ee.Stderr)
	}
	return ""
}
