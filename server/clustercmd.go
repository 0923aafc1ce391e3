package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/parallax-news/parallax/internal/canon"
	"github.com/parallax-news/parallax/internal/extract"
	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

// maxClusterLine bounds one input line of `parallax cluster`: a full article with
// its text is tens of kilobytes; a line over this is not an article.
const maxClusterLine = 8 << 20

// clusterIn is one input line.
type clusterIn struct {
	ID        json.RawMessage `json:"id"`
	URL       string          `json:"url"`
	Title     string          `json:"title"`
	Text      string          `json:"text"`
	Published string          `json:"published"`
}

// clusterOut is one output line.
type clusterOut struct {
	ID    json.RawMessage `json:"id"`
	Story string          `json:"story"`
}

func runCluster(args []string, env *environment) int {
	fs := flag.NewFlagSet("cluster", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	redisURL := fs.String("redis", "", "Redis URL to cluster into (default: a fresh in-memory embedded store)")
	prefix := fs.String("prefix", store.DefaultPrefix, "key prefix in Redis (with --redis)")
	matcherFile := fs.String("matcher", "", "JSON file overriding fields of the matcher's configuration (for tuning experiments; the server always runs the default)")
	fs.Usage = func() {
		fmt.Fprint(env.stderr, `usage: parallax cluster [--redis URL] < articles.jsonl > stories.jsonl

Reads JSON Lines on standard input, one article per line:
  {"id": "...", "url": "...", "title": "...", "text": "...", "published": "..."}
(url, text and published optional; published is RFC 3339 or YYYY-MM-DD), matches
them in the given order through the server's own indexing path, and writes
  {"id": "...", "story": "..."}
per input line. Progress goes to standard error when it is a terminal.

`)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store.RouteDriverLogs(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := store.Options{URL: *redisURL, Prefix: *prefix, Ephemeral: true, Logger: log}
	st, err := store.Open(ctx, opts)
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax cluster:", err)
		return 2
	}
	defer st.Close()
	if err := st.Ping(ctx); err != nil {
		fmt.Fprintln(env.stderr, "parallax cluster:", err)
		return 1
	}
	registry, err := loadRegistry(env)
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax cluster:", err)
		return 1
	}
	cfg := stories.DefaultConfig()
	if *matcherFile != "" {
		b, err := os.ReadFile(*matcherFile)
		if err == nil {
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			err = dec.Decode(&cfg)
		}
		if err != nil {
			fmt.Fprintln(env.stderr, "parallax cluster: --matcher:", err)
			return 2
		}
	}
	svc := lookup.New(lookup.Options{Store: st, Outlets: registry, Matcher: cfg, Logger: log})
	c := &clusterer{svc: svc, out: env.stdout, progress: newProgress(env.stderr), inputSize: fileSize(env.stdin)}
	if err := c.run(ctx, env.stdin); err != nil {
		fmt.Fprintln(env.stderr, "parallax cluster:", err)
		return 1
	}
	return 0
}

// clusterer replays articles through lookup.Service.Index.
type clusterer struct {
	svc       *lookup.Service
	out       io.Writer
	progress  *progress
	inputSize int64 // bytes, 0 when unknown (a pipe)
}

func (c *clusterer) run(ctx context.Context, in io.Reader) error {
	counter := &countingReader{r: in}
	sc := bufio.NewScanner(counter)
	sc.Buffer(make([]byte, 64<<10), maxClusterLine)
	w := bufio.NewWriter(c.out)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	start := time.Now()
	storiesSeen := map[string]bool{}
	var n, badDates int
	for line := 1; sc.Scan(); line++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted after %d articles: %w", n, err)
		}
		raw := strings.TrimSpace(sc.Text())
		if raw == "" {
			continue
		}
		var in clusterIn
		if err := json.Unmarshal([]byte(raw), &in); err != nil {
			return fmt.Errorf("line %d: not a JSON object: %w", line, err)
		}
		if len(in.ID) == 0 || string(in.ID) == "null" {
			return fmt.Errorf(`line %d: no "id"`, line)
		}
		a, ok := clusterArticle(in, line, c.svc)
		if !ok {
			badDates++
		}
		sid, err := c.svc.Index(ctx, a, in.Text)
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if err := enc.Encode(clusterOut{ID: in.ID, Story: sid}); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		n++
		storiesSeen[sid] = true
		frac := -1.0
		if c.inputSize > 0 {
			frac = float64(counter.n) / float64(c.inputSize)
		}
		rate := float64(n) / max(time.Since(start).Seconds(), 1e-9)
		c.progress.show(frac, "%d articles, %d stories, %.0f articles/s", n, len(storiesSeen), rate)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("an input line is longer than %d bytes", maxClusterLine)
		}
		return fmt.Errorf("read: %w", err)
	}
	c.progress.done()
	took := time.Since(start)
	rate := float64(n) / max(took.Seconds(), 1e-9)
	fmt.Fprintf(c.progress.w, "clustered %d articles into %d stories in %s (%.0f articles/s)\n", n, len(storiesSeen), took.Round(time.Millisecond), rate)
	if badDates > 0 {
		fmt.Fprintf(c.progress.w, "warning: %d articles had a \"published\" that is neither RFC 3339 nor YYYY-MM-DD; it was ignored\n", badDates)
	}
	return nil
}

// clusterArticle builds the indexed article of an input line. Lines without a
// usable URL get an identity of their own (the line number), so two documents are
// never merged because they lack a URL. ok is false when published was given but
// not understood.
func clusterArticle(in clusterIn, line int, svc *lookup.Service) (stories.Article, bool) {
	doc := extract.Article{Title: strings.TrimSpace(in.Title)}
	ok := true
	if p := strings.TrimSpace(in.Published); p != "" {
		if t, err := time.Parse(time.RFC3339, p); err == nil {
			doc.Published = t.UTC()
		} else if t, err := time.Parse(time.DateOnly, p); err == nil {
			doc.Published = t
		} else {
			ok = false
		}
	}
	var a stories.Article
	if u, err := canon.URL(in.URL); err == nil && in.URL != "" {
		a = svc.Describe(u, doc)
	} else {
		a = stories.Article{URL: fmt.Sprintf("urn:parallax:cluster:line:%d", line), Title: doc.Title, Published: doc.Published, Domain: "unknown"}
	}
	a.Added = time.Now().UTC()
	return a, ok
}

// countingReader counts the bytes read, for the progress bar.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
