package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/parallax-news/parallax/internal/store"
)

// runMigrate moves an index of the key layout before hash tags to the current one
// (see internal/store/migrate.go). The embedded store does it by itself when it
// starts; this command is for an external Redis, run while no server writes it.
func runMigrate(args []string, env *environment) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	redisURL := fs.String("redis", env.getenv("PARALLAX_REDIS_URL"), "Redis URL of the index (default: PARALLAX_REDIS_URL)")
	from := fs.String("from", store.LegacyPrefix, "key prefix the old index was written under (another than the default only for `parallax cluster --prefix`)")
	prefix := fs.String("prefix", store.DefaultPrefix, "key prefix to move it to (the server's is the default)")
	fs.Usage = func() {
		fmt.Fprint(env.stderr, `usage: parallax migrate [--redis URL] [--from PREFIX] [--prefix PREFIX]

Moves an index written in the key layout before hash tags (Parallax before
per-key hash tags: every key in one Redis Cluster slot) to the current layout,
key by key, keeping values and TTLs. Stop every server writing the index first;
it can be run again (what moved is not found again). The embedded store needs
no migration: it moves its own index when it starts.

`)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	if *redisURL == "" {
		fmt.Fprintln(env.stderr, "parallax migrate: no Redis: give --redis or set PARALLAX_REDIS_URL (the embedded store migrates itself when it starts)")
		return 2
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store.RouteDriverLogs(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := store.Open(ctx, store.Options{URL: *redisURL, Prefix: *prefix, Logger: log})
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax migrate:", err)
		return 2
	}
	defer st.Close()
	if err := st.Ping(ctx); err != nil {
		fmt.Fprintln(env.stderr, "parallax migrate:", err)
		return 1
	}
	p := newProgress(env.stderr)
	start := time.Now()
	m, err := st.Migrate(ctx, *from, func(done, found int) {
		p.show(float64(done)/float64(max(found, 1)), "%d/%d keys  %s", done, found, time.Since(start).Round(time.Second))
	})
	p.done()
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax migrate:", err)
		return 1
	}
	if m.Found == 0 {
		fmt.Fprintf(env.stdout, "nothing to migrate: no key of the old layout under %q\n", *from)
		return 0
	}
	fmt.Fprintf(env.stdout, "migrated %d keys from %q to %q in %s: %d moved, %d dropped (no longer used), %d skipped\n",
		m.Found, *from, *prefix, m.Took.Round(time.Millisecond), m.Moved, m.Dropped, m.Skipped)
	if m.Skipped > 0 {
		fmt.Fprintln(env.stdout, "skipped keys were written under their new name meanwhile (a server ran) or expired; they are left under the old name")
	}
	return 0
}
