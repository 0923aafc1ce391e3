package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/corpus"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
)

// TestTwoWritersOnCluster replays the gun-violence development stream through two
// writers at once onto the Redis Cluster (half the articles each, interleaved,
// each with a store client, cache and matcher of its own, as two server processes
// have), and checks what issue 16 asks of the sharded key scheme: every article in
// the index exactly once, in exactly one story, counts equal to member lists
// (store.Verify); each master holding between 20% and 45% of the keys and of their
// memory; and matching quality within 0.01 of one writer's replay. Skipped without
// a cluster (CI starts one) or the shared data.
func TestTwoWritersOnCluster(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("replays 3,778 articles: run without -short and -race (make test does)")
	}
	url := os.Getenv(storetest.EnvRedisClusterURL)
	if url == "" {
		if os.Getenv(corpus.EnvCI) == "true" {
			t.Fatalf("%s is unset; CI runs this against a Redis Cluster (.ci/run starts one)", storetest.EnvRedisClusterURL)
		}
		t.Skipf("set %s (.ci/cluster start DIR prints one)", storetest.EnvRedisClusterURL)
	}
	root := corpus.Require(t, "story-clustering")
	var gva corpus.Stream
	for _, s := range corpus.Streams() {
		if strings.HasPrefix(s.Name, "gva") {
			gva = s
		}
	}
	docs, err := gva.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	gold := make([]string, len(docs))
	for i, d := range docs {
		gold[i] = d.Gold
	}

	var all bytes.Buffer
	halves := [2]bytes.Buffer{}
	for i, d := range docs {
		line, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		line = append(line, '\n')
		all.Write(line)
		halves[i%2].Write(line)
	}
	// One writer onto the cluster: the reference.
	var out, errOut bytes.Buffer
	onePrefix := fmt.Sprintf("pxtest-one-writer-%d:", time.Now().UnixNano())
	storetest.OpenCluster(t, store.Options{Prefix: onePrefix, Retention: 30 * 24 * time.Hour}) // purged at the end
	if code := run([]string{"cluster", "--redis", url, "--prefix", onePrefix}, &all, &out, &errOut, env(nil)); code != 0 {
		t.Fatalf("one writer: exit %d: %s", code, errOut.String())
	}
	one := corpus.Score(gold, readClusterOutput(t, &out, docs))

	// Two writers at once onto the cluster, under a prefix without a hash tag of
	// its own, so that the keys spread over the slots.
	prefix := fmt.Sprintf("pxtest-two-writers-%d:", time.Now().UnixNano())
	st := storetest.OpenCluster(t, store.Options{Prefix: prefix, Retention: 30 * 24 * time.Hour})
	var (
		wg      sync.WaitGroup
		outs    [2]bytes.Buffer
		errOuts [2]bytes.Buffer
		codes   [2]int
	)
	start := time.Now()
	for w := range 2 {
		wg.Go(func() {
			codes[w] = run([]string{"cluster", "--redis", url, "--prefix", prefix}, &halves[w], &outs[w], &errOuts[w], env(nil))
		})
	}
	wg.Wait()
	took := time.Since(start)
	for w := range 2 {
		if codes[w] != 0 {
			t.Fatalf("writer %d: exit %d: %s", w, codes[w], errOuts[w].String())
		}
	}
	// Each writer knows only the merges it made itself: a story the other folded
	// away is followed to its survivor.
	ctx := context.Background()
	pred := make([]string, len(docs))
	var half [2][]corpus.StreamDoc
	for i, d := range docs {
		half[i%2] = append(half[i%2], d)
	}
	resolved := map[string]string{}
	for w := range 2 {
		for j, sid := range readClusterOutput(t, &outs[w], half[w]) {
			to, ok := resolved[sid]
			if !ok {
				if to, err = st.ResolveStory(ctx, sid); err != nil {
					t.Fatalf("story %s of writer %d: %v", sid, w, err)
				}
				resolved[sid] = to
			}
			pred[2*j+w] = to
		}
	}
	two := corpus.Score(gold, pred)
	t.Logf("one writer:  pairwise P/R/F1 %.3f/%.3f/%.3f  B3 F1 %.3f  NMI %.3f  stories %d", one.PairP, one.PairR, one.PairF1, one.B3F1, one.NMI, one.Stories)
	t.Logf("two writers: pairwise P/R/F1 %.3f/%.3f/%.3f  B3 F1 %.3f  NMI %.3f  stories %d  (%.0f articles/s in all)",
		two.PairP, two.PairR, two.PairF1, two.B3F1, two.NMI, two.Stories, float64(len(docs))/took.Seconds())
	// Issue 16's target is within 0.01 of one writer; it is reported, as the
	// evaluation's targets are (cluster_test.go), and the test fails below a floor
	// of 0.02: runs here land 0.004-0.010 below, the writers' interleaving differing
	// from run to run.
	d := one.PairF1 - two.PairF1
	verdict := "met"
	if d > 0.01 {
		verdict = "MISSED"
	}
	t.Logf("two writers: target pairwise F1 within 0.01 of one writer's: %s (%.3f below)", verdict, d)
	if d > 0.02 {
		t.Errorf("two writers' pairwise F1 %.3f is %.3f below one writer's %.3f, below the floor of 0.02: concurrent writers match worse", two.PairF1, d, one.PairF1)
	}

	v, err := st.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("index: %d articles, %d stories, %d memberships, %d dangling, %d stray", v.Articles, v.Stories, v.Members, v.Dangling, v.Stray)
	if v.Broken > 0 {
		t.Errorf("%d broken invariants: %s", v.Broken, strings.Join(v.Problems, "\n"))
	}
	indexed := map[string]bool{}
	for _, sid := range pred {
		indexed[sid] = true
	}
	if v.Articles != v.Members || v.Dangling != 0 || v.Stray != 0 {
		t.Errorf("%d articles, %d memberships, %d dangling: want every article in one story", v.Articles, v.Members, v.Dangling)
	}
	if v.Stories != len(indexed) {
		t.Errorf("%d stories in the index, the writers answered %d", v.Stories, len(indexed))
	}

	shares, err := st.Distribution(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var keys, mem int64
	for _, s := range shares {
		keys, mem = keys+int64(s.Keys), mem+s.Bytes
	}
	for _, s := range shares {
		kf, bf := float64(s.Keys)/float64(keys), float64(s.Bytes)/float64(mem)
		t.Logf("master %s: %d keys (%.1f%%), %d bytes (%.1f%%)", s.Addr, s.Keys, 100*kf, s.Bytes, 100*bf)
		if len(shares) == 3 && (kf < 0.20 || kf > 0.45 || bf < 0.20 || bf > 0.45) {
			t.Errorf("master %s holds %.1f%% of the keys and %.1f%% of the memory, want 20-45%% each", s.Addr, 100*kf, 100*bf)
		}
	}
}
