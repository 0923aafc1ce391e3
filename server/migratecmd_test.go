package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
)

// TestMigrateCommand: `parallax migrate` needs a Redis, and on an index of the
// current layout (written by `parallax cluster`) finds nothing to move and changes
// nothing. The moving itself is internal/store's TestMigrateLegacyLayout.
func TestMigrateCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"migrate"}, strings.NewReader(""), &out, &errOut, env(nil)); code != 2 || !strings.Contains(errOut.String(), "no Redis") {
		t.Errorf("migrate without Redis = %d, %q; want 2 and a message", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"migrate", "extra"}, strings.NewReader(""), &out, &errOut, env(map[string]string{"PARALLAX_REDIS_URL": "redis://127.0.0.1:1"})); code != 2 {
		t.Errorf("migrate with an argument = %d, want 2 (usage)", code)
	}
	if storetest.RedisURL() == "none" {
		t.Skip("no real Redis")
	}
	prefix := fmt.Sprintf("pxtest-migratecmd-%d:", time.Now().UnixNano())
	// Purged when the test ends.
	st := storetest.OpenRedis(t, store.Options{Prefix: prefix, Retention: time.Hour})
	in := `{"id": 1, "url": "https://example.org/a", "title": "Harbour bridge reopens", "text": "The harbour bridge reopened on Monday after repairs."}` + "\n"
	errOut.Reset()
	if code := run([]string{"cluster", "--redis", storetest.RedisURL(), "--prefix", prefix}, strings.NewReader(in), &out, &errOut, env(nil)); code != 0 {
		t.Fatalf("cluster = %d: %s", code, errOut.String())
	}
	listed := func() int {
		t.Helper()
		l, err := st.ListStories(context.Background(), store.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return len(l)
	}
	if n := listed(); n != 1 {
		t.Fatalf("%d stories listed after the replay, want 1", n)
	}
	out.Reset()
	errOut.Reset()
	if code := run([]string{"migrate", "--redis", storetest.RedisURL(), "--from", prefix, "--prefix", prefix}, strings.NewReader(""), &out, &errOut, env(nil)); code != 0 {
		t.Fatalf("migrate = %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "nothing to migrate") {
		t.Errorf("migrate of a current index printed %q", out.String())
	}
	if n := listed(); n != 1 {
		t.Errorf("%d stories listed after the migration, want 1", n)
	}
	if legacy, err := st.LegacyLayout(context.Background()); err != nil || legacy {
		t.Errorf("LegacyLayout = %v, %v", legacy, err)
	}
}
