package lookup_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/store"
)

// BenchmarkEmbeddedSnapshot measures the embedded store's durability at the size a
// newcomer reaches within a day of feed ingestion: it indexes 100,000 synthetic
// articles (PARALLAX_BENCH_ARTICLES to change that) into an embedded store, then,
// while readers look up indexed articles and a writer indexes new ones, writes a
// full base snapshot and an incremental checkpoint, and finally restarts the store
// from its files. It reports the snapshot and checkpoint times, the longest pause
// they imposed on the store's commands, the slowest lookup and add while they ran,
// the process's peak RSS and the restore time:
//
//	go test ./internal/lookup -run '^$' -bench BenchmarkEmbeddedSnapshot -benchtime 1x -timeout 60m
//
// Building the index takes several minutes on a small machine.
func BenchmarkEmbeddedSnapshot(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("PARALLAX_BENCH_ARTICLES")); err == nil && v > 0 {
		n = v
	}
	dir := b.TempDir()
	var mu sync.Mutex
	var events []store.SnapshotEvent
	opts := store.Options{DataDir: dir, SnapshotEvery: time.Hour, OnSnapshot: func(ev store.SnapshotEvent) {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
	}}
	st, err := store.Open(context.Background(), opts)
	if err != nil {
		b.Fatal(err)
	}
	svc := newService(b, st, time.Second)
	gen := newSynth(1)
	var genMu sync.Mutex
	next := 0
	article := func() (string, func() error) {
		genMu.Lock()
		i := next
		next++
		a, text := gen.article(i)
		genMu.Unlock()
		return a.URL, func() error { _, err := svc.Index(context.Background(), a, text); return err }
	}
	start := time.Now()
	var urls []string
	var urlMu sync.Mutex
	var wg sync.WaitGroup
	var built atomic.Int64
	for range 4 {
		wg.Go(func() {
			for built.Add(1) <= int64(n) {
				u, add := article()
				if err := add(); err != nil {
					b.Error(err)
					return
				}
				urlMu.Lock()
				urls = append(urls, u)
				if len(urls)%10_000 == 0 {
					// Standard error: a benchmark's own log keeps only its last lines.
					fmt.Fprintf(os.Stderr, "indexed %d articles in %s, RSS %d MB\n", len(urls), time.Since(start).Round(time.Second), rss()>>20)
				}
				urlMu.Unlock()
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		return
	}
	b.Logf("indexed %d articles in %s", n, time.Since(start).Round(time.Second))
	// A first base, so that the measured one is the steady-state rewrite.
	if err := st.Snapshot(true); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	rssBefore := rss()

	// The same load twice, for the same time: first without checkpoints (how slow
	// the slowest lookup is anyway on this machine), then while a full snapshot
	// and a checkpoint run. Two readers of indexed articles, one writer.
	measure := func(during func()) (reads, adds *latencies, peak int64) {
		reads, adds = &latencies{}, &latencies{}
		var rssPeak atomic.Int64
		stop := make(chan struct{})
		var load sync.WaitGroup
		for r := range 2 {
			load.Go(func() {
				for i := r; ; i += 7919 {
					select {
					case <-stop:
						return
					default:
					}
					t0 := time.Now()
					if _, err := svc.Lookup(context.Background(), lookup.Request{URL: urls[i%len(urls)]}); err != nil {
						b.Error(err)
						return
					}
					reads.add(time.Since(t0))
				}
			})
		}
		load.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, a := article()
				t0 := time.Now()
				if err := a(); err != nil {
					b.Error(err)
					return
				}
				adds.add(time.Since(t0))
			}
		})
		load.Go(func() {
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					maxInto(&rssPeak, time.Duration(rss()))
				}
			}
		})
		during()
		close(stop)
		load.Wait()
		return reads, adds, rssPeak.Load()
	}
	const window = 8 * time.Second
	quietReads, quietAdds, _ := measure(func() { time.Sleep(window) })
	b.ResetTimer()
	reads, adds, peak := measure(func() {
		start := time.Now()
		if err := st.Snapshot(true); err != nil {
			b.Fatal(err)
		}
		time.Sleep(window - time.Since(start)) // writes for the checkpoint to carry
		if err := st.Snapshot(false); err != nil {
			b.Fatal(err)
		}
	})
	b.StopTimer()

	mu.Lock()
	base, journal := events[len(events)-2], events[len(events)-1]
	mu.Unlock()
	closeStart := time.Now()
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	closed := time.Since(closeStart)
	restoreStart := time.Now()
	again, err := store.Open(context.Background(), store.Options{DataDir: dir, SnapshotEvery: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	restored := time.Since(restoreStart)
	if _, _, err := again.ArticleByURL(context.Background(), urls[0]); err != nil {
		b.Errorf("article after restore: %v", err)
	}
	again.Close()

	b.Logf("snapshot of %d keys (%d MB): %s, pause %s; checkpoint of %d keys (%d KB): %s, pause %s",
		base.Keys, base.Bytes>>20, base.Took.Round(time.Millisecond), base.Pause.Round(time.Microsecond),
		journal.Keys, journal.Bytes>>10, journal.Took.Round(time.Millisecond), journal.Pause.Round(time.Microsecond))
	b.Logf("while they ran: lookups %s, adds %s", reads.summary(), adds.summary())
	b.Logf("as long without them: lookups %s, adds %s", quietReads.summary(), quietAdds.summary())
	b.Logf("RSS %d MB before, %d MB at most; close %s; restore %s",
		rssBefore>>20, peak>>20, closed.Round(time.Millisecond), restored.Round(time.Millisecond))
	b.ReportMetric(base.Took.Seconds(), "snapshot_s")
	b.ReportMetric(float64(base.Pause.Microseconds())/1000, "snapshot_pause_ms")
	b.ReportMetric(journal.Took.Seconds(), "checkpoint_s")
	b.ReportMetric(float64(journal.Pause.Microseconds())/1000, "checkpoint_pause_ms")
	b.ReportMetric(float64(reads.quantile(1).Milliseconds()), "worst_lookup_ms")
	b.ReportMetric(float64(quietReads.quantile(1).Milliseconds()), "worst_lookup_quiet_ms")
	b.ReportMetric(float64(reads.quantile(0.99).Microseconds())/1000, "p99_lookup_ms")
	b.ReportMetric(float64(quietReads.quantile(0.99).Microseconds())/1000, "p99_lookup_quiet_ms")
	b.ReportMetric(float64(peak>>20), "peak_rss_MB")
	b.ReportMetric(restored.Seconds(), "restore_s")
}

// latencies collects durations from several goroutines.
type latencies struct {
	mu sync.Mutex
	ds []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.ds = append(l.ds, d)
	l.mu.Unlock()
}

// quantile returns the q-quantile (1 is the slowest).
func (l *latencies) quantile(q float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ds) == 0 {
		return 0
	}
	s := slices.Clone(l.ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func (l *latencies) summary() string {
	l.mu.Lock()
	n := len(l.ds)
	l.mu.Unlock()
	return fmt.Sprintf("%d, p50 %s, p99 %s, slowest %s", n, l.quantile(0.5).Round(100*time.Microsecond),
		l.quantile(0.99).Round(100*time.Microsecond), l.quantile(1).Round(time.Millisecond))
}

func maxInto(v *atomic.Int64, d time.Duration) {
	for {
		old := v.Load()
		if int64(d) <= old || v.CompareAndSwap(old, int64(d)) {
			return
		}
	}
}

// rss returns the process's resident set size in bytes (Linux; 0 elsewhere).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
