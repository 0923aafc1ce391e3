package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
)

// openAt opens an embedded store on dir whose checkpoints the test drives (the
// automatic ones are an hour apart).
func openAt(t *testing.T, dir string) *store.Redis {
	t.Helper()
	r, err := store.Open(context.Background(), store.Options{DataDir: dir, Retention: time.Hour, SnapshotEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func addArticle(t *testing.T, r *store.Redis, url, title string) store.Added {
	t.Helper()
	a, p := article(url, title, title+" text about the harbour bridge.")
	res, err := addWithRetry(context.Background(), r, a, p, "bridge")
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mustStory(t *testing.T, r *store.Redis, sid string, articles int) {
	t.Helper()
	st, err := r.Story(context.Background(), sid, 0)
	if err != nil {
		t.Fatalf("story %s: %v", sid, err)
	}
	if st.ArticleCount != articles || len(st.Articles) != articles {
		t.Fatalf("story %s has %d articles (%d listed), want %d", sid, st.ArticleCount, len(st.Articles), articles)
	}
}

// TestSnapshotFormat1Upgrade: a snapshot written by the gob format of earlier
// versions (testdata/snapshot-v1.bin, written by that code) restores, and the
// next checkpoint rewrites it in the current format.
func TestSnapshotFormat1Upgrade(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old, err := os.ReadFile("testdata/snapshot-v1.bin")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, store.SnapshotFile), old, 0o600); err != nil {
		t.Fatal(err)
	}
	r := openAt(t, dir)
	ctx := context.Background()
	a, sid, err := r.ArticleByURL(ctx, "https://example.org/2026/harbour-bridge-open")
	if err != nil {
		t.Fatalf("article of the format-1 snapshot: %v", err)
	}
	if a.Title != "City reopens harbour bridge" {
		t.Errorf("title %q", a.Title)
	}
	mustStory(t, r, sid, 2)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, store.SnapshotFile))
	if err != nil || !bytes.HasPrefix(b, []byte("PARALLAX SNAPSHOT\n")) {
		t.Fatalf("the snapshot was not rewritten in the current format (%v)", err)
	}
	r = openAt(t, dir)
	defer r.Close()
	mustStory(t, r, sid, 2)
}

// TestSnapshotDamagedRefused: four overwritten bytes in the middle of the snapshot
// or of the journal stop the start with a message naming the file (they restored
// silently before).
func TestSnapshotDamagedRefused(t *testing.T) {
	t.Parallel()
	for _, file := range []string{store.SnapshotFile, store.JournalFile} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			r := openAt(t, dir)
			for i := range 20 {
				addArticle(t, r, fmt.Sprintf("https://www.example.com/%d", i), fmt.Sprintf("Bridge story number %d", i))
			}
			if err := r.Snapshot(true); err != nil {
				t.Fatal(err)
			}
			for i := range 20 {
				addArticle(t, r, fmt.Sprintf("https://www.example.org/%d", i), fmt.Sprintf("Bridge report number %d", i))
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, file)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) < 1000 {
				t.Fatalf("%s holds only %d bytes", file, len(b))
			}
			copy(b[len(b)/2:], "\xde\xad\xbe\xef")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err = store.Open(context.Background(), store.Options{DataDir: dir})
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "damaged") {
				t.Fatalf("open with a damaged %s: %v; want an error naming it", file, err)
			}
		})
	}
}

// TestJournalCutShort: a crash while a checkpoint is written leaves the journal
// ending in part of one; the start drops that part and keeps every complete one.
func TestJournalCutShort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := openAt(t, dir)
	first := addArticle(t, r, "https://www.example.com/1", "Bridge collapses")
	if err := r.Snapshot(false); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, store.JournalFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	complete := fi.Size()
	addArticle(t, r, "https://www.example.org/2", "Bridge collapse injures four")
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) <= complete+10 {
		t.Fatalf("the second checkpoint wrote %d bytes", int64(len(b))-complete)
	}
	if err := os.WriteFile(path, b[:complete+(int64(len(b))-complete)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	r = openAt(t, dir)
	mustStory(t, r, first.StoryID, 1)
	// New checkpoints follow the last complete one.
	addArticle(t, r, "https://www.example.net/3", "Bridge collapse: divers rescue three")
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r = openAt(t, dir)
	defer r.Close()
	mustStory(t, r, first.StoryID, 2)
}

// TestStaleJournalAfterBase: a crash between writing a new base and emptying the
// journal leaves checkpoints the base already holds; they are not applied again
// (they would bring back older values).
func TestStaleJournalAfterBase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := openAt(t, dir)
	ctx := context.Background()
	res := addArticle(t, r, "https://www.example.com/1", "Bridge collapses")
	if err := r.Snapshot(false); err != nil {
		t.Fatal(err)
	}
	stale, err := os.ReadFile(filepath.Join(dir, store.JournalFile))
	if err != nil {
		t.Fatal(err)
	}
	// The story changes after the checkpoint the stale journal holds.
	addArticle(t, r, "https://www.example.org/2", "Bridge collapse injures four")
	if err := r.Snapshot(true); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, store.JournalFile), stale, 0o600); err != nil {
		t.Fatal(err)
	}
	r = openAt(t, dir)
	defer r.Close()
	mustStory(t, r, res.StoryID, 2)
	if err := r.CheckIndex(ctx); err != nil {
		t.Error(err)
	}
}

// TestCheckpointsUnderLoad: checkpoints taken while twenty writers add articles
// restore to a consistent index (no half of an add), holding every article whose
// add finished before the last checkpoint, and the hook attributes every write.
func TestCheckpointsUnderLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := openAt(t, dir)
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var mu sync.Mutex
	var added []string
	for w := range 20 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a, p := article(fmt.Sprintf("https://www.example%d.com/%d", w, i), fmt.Sprintf("Bridge %d %d", w, i), "The harbour bridge.")
				if _, err := addWithRetry(ctx, r, a, p, fmt.Sprintf("term%d", i%7)); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				added = append(added, a.URL)
				mu.Unlock()
			}
		})
	}
	for i := range 12 {
		if err := r.Snapshot(i%4 == 3); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	mu.Lock()
	want := len(added)
	mu.Unlock()
	if unknown := r.UnknownWrites(); len(unknown) > 0 {
		t.Errorf("writes the snapshot hook does not attribute: %v", unknown)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r = openAt(t, dir)
	defer r.Close()
	if err := r.CheckIndex(ctx); err != nil {
		t.Fatalf("restored index: %v", err)
	}
	indexed, err := r.ArticlesIndexed(ctx, added)
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range indexed {
		if !ok {
			t.Errorf("article %s (of %d) lost", added[i], want)
		}
	}
}
