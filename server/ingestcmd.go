package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/parallax-news/parallax/internal/ingest"
)

// runIngest is `parallax ingest [--once]`: feed ingestion without the HTTP server,
// on the store the configuration names (the embedded one by default, so a pass
// before `parallax serve` fills the index the server then answers from).
func runIngest(args []string, env *environment) int {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	once := fs.Bool("once", false, "poll every feed once now, print a summary and exit")
	fs.Usage = func() {
		fmt.Fprint(env.stderr, `usage: parallax ingest [--once]

Polls the outlets' feeds and indexes new articles, as the server does in the
background: until interrupted, or with --once a single pass over every feed with
a progress bar, a summary line and a table of the feeds that failed; it exits
1 when every feed failed. Configured by the same environment variables as the
server (see parallax help).

`)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	// With --once the progress bar and the summary tell the story; per-feed warnings
	// would interleave with the bar.
	cfg, log, ok := startup(env, *once)
	if !ok {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := newServer(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax ingest:", err)
		return 1
	}
	defer func() {
		if err := s.Close(); err != nil {
			fmt.Fprintln(env.stderr, "parallax ingest:", err)
		}
	}()
	if err := s.store.Ping(ctx); err != nil {
		fmt.Fprintln(env.stderr, "parallax ingest:", err)
		return 1
	}
	if !*once {
		log.Info("polling feeds until interrupted", "feeds", s.ingest.Feeds(), "interval", cfg.PollInterval)
		s.ingest.Run(ctx)
		return 0
	}
	bar := newProgress(env.stderr)
	start := time.Now()
	rep := s.ingest.Pass(ctx, func(p ingest.Progress) {
		frac := float64(p.FeedsDone) / float64(max(p.FeedsTotal, 1))
		bar.show(frac, "feeds %d/%d, %d new articles (%d partial), %d errors, %s",
			p.FeedsDone, p.FeedsTotal, p.Articles, p.Partial, p.Errors, time.Since(start).Round(time.Second))
	})
	bar.done()
	// The summary comes first: with the network down the table below runs to a
	// thousand lines.
	fmt.Fprintf(env.stdout, "polled %d of %s in %s: %s (%d from the feed's text only), %s failed\n",
		rep.FeedsDone, plural(rep.FeedsTotal, "feed", "feeds"), rep.Took.Round(time.Millisecond),
		plural(rep.Articles, "new article", "new articles"), rep.Partial, plural(rep.Errors, "feed", "feeds"))
	if len(rep.Failing) > 0 {
		slices.SortFunc(rep.Failing, func(a, b ingest.Failure) int { return strings.Compare(a.URL, b.URL) })
		fmt.Fprintln(env.stdout, "\nfailing feeds:")
		tw := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "OUTLET\tFEED\tFAILURES\tERROR")
		for _, f := range rep.Failing {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", cmp.Or(f.OutletID, "-"), f.URL, f.Failures, f.Error)
		}
		tw.Flush()
	}
	if ctx.Err() != nil {
		fmt.Fprintln(env.stderr, "parallax ingest: interrupted")
		return 1
	}
	if rep.FeedsDone > 0 && rep.Errors == rep.FeedsDone {
		// A pass that fetched nothing is a failure a script must see, whatever the
		// cause (no network, a wrong outlets file).
		fmt.Fprintf(env.stderr, "parallax ingest: every feed failed (%d of %d); is the network down?\n", rep.Errors, rep.FeedsDone)
		return 1
	}
	return 0
}
