package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/parallax-news/parallax/internal/canon"
	"github.com/parallax-news/parallax/internal/extract"
	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

// maxClusterLine bounds one input line of `parallax cluster`: a full article with
// its text is tens of kilobytes; a line over this is not an article.
const maxClusterLine = 8 << 20

// maxFieldWarnings bounds the unknown field names told about in one run: a stream
// whose lines each carry keys of their own (ids as keys) would otherwise warn on
// every line.
const maxFieldWarnings = 20

// clusterIn is one input line, decoded by parseClusterLine.
type clusterIn struct {
	ID                          json.RawMessage // any JSON value but null, echoed as given
	URL, Title, Text, Published string
	// bothDates is set when the line gave "published" and "date" with different
	// values; published is used.
	bothDates bool
}

// clusterFields are the fields of an input line, in the order the warnings list
// them. "date" is another name for "published": corpora such as BASIL call it so,
// and ignoring it used to halve the matcher's precision without a word.
var clusterFields = []string{"id", "url", "title", "text", "published", "date"}

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
	memory := fs.Bool("memory", false, "with --redis: print what the replay grew the index by (INFO used_memory, per article) and its keys and bytes by kind; reads every key of the prefix before and after")
	fs.Usage = func() {
		fmt.Fprint(env.stderr, `usage: parallax cluster [--redis URL] < articles.jsonl > stories.jsonl

Reads JSON Lines on standard input, one article per line:
  {"id": "...", "url": "...", "title": "...", "text": "...", "published": "..."}
(url, text and published optional; published, or date, is RFC 3339 or
YYYY-MM-DD; other fields are ignored with a warning), matches them in the given
order through the server's own indexing path, and writes
  {"id": "...", "story": "..."}
per input line. Progress goes to standard error when it is a terminal.

`)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	if *memory && *redisURL == "" {
		fmt.Fprintln(env.stderr, "parallax cluster: --memory needs --redis: the embedded store does not report its memory")
		return 2
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
	c := &clusterer{out: env.stdout, progress: newProgress(env.stderr), inputSize: fileSize(env.stdin)}
	lo := lookup.Options{Store: st, Outlets: registry, Matcher: cfg, Logger: log}
	if cfg.MergeThreshold > 0 {
		c.merged = map[string]string{}
		lo.Merged = c.merge
	}
	c.svc = lookup.New(lo)
	// The index before the replay, so that what is printed is what the replay
	// added, into an empty prefix or onto an index that holds more.
	var before []store.NodeShare
	if *memory {
		if before, err = st.Distribution(ctx); err != nil {
			fmt.Fprintln(env.stderr, "parallax cluster: --memory:", err)
			return 1
		}
	}
	if err := c.run(ctx, env.stdin); err != nil {
		fmt.Fprintln(env.stderr, "parallax cluster:", err)
		return 1
	}
	if *memory {
		if err := st.FlushDocFreq(ctx); err != nil {
			fmt.Fprintln(env.stderr, "parallax cluster: --memory:", err)
			return 1
		}
		shares, err := st.Distribution(ctx)
		if err != nil {
			fmt.Fprintln(env.stderr, "parallax cluster: --memory:", err)
			return 1
		}
		writeMemory(env.stderr, before, shares, c.articles)
	}
	return 0
}

// writeMemory prints what the replay cost the index: the growth of used_memory
// (the figure the README sizes deployments by, overheads and all) per article, and
// the growth in keys and MEMORY USAGE of each kind of key, largest first, from
// the index as it was before (before) to after.
func writeMemory(w io.Writer, before, after []store.NodeShare, articles int) {
	var used, bytes int64
	var keys int
	kinds := map[string]store.KindShare{}
	for i, shares := range [2][]store.NodeShare{before, after} {
		sign := int64(2*i - 1) // -1 for before, +1 for after
		for _, s := range shares {
			used, bytes, keys = used+sign*s.Used, bytes+sign*s.Bytes, keys+int(sign)*s.Keys
			for kind, k := range s.Kinds {
				sum := kinds[kind]
				sum.Keys, sum.Bytes = sum.Keys+int(sign)*k.Keys, sum.Bytes+sign*k.Bytes
				kinds[kind] = sum
			}
		}
	}
	per := func(b int64) int64 { return b / int64(max(articles, 1)) }
	fmt.Fprintf(w, "memory: used_memory grew by %d bytes for %s: %d bytes per article\n",
		used, plural(articles, "article", "articles"), per(used))
	fmt.Fprintf(w, "  %-20s %8s %12s %12s\n", "kind of key", "keys", "bytes", "per article")
	names := slices.Collect(maps.Keys(kinds))
	slices.SortFunc(names, func(a, b string) int {
		if c := cmp.Compare(kinds[b].Bytes, kinds[a].Bytes); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for _, name := range names {
		k := kinds[name]
		if k.Keys == 0 && k.Bytes == 0 {
			continue // a kind the replay did not change
		}
		fmt.Fprintf(w, "  %-20s %8d %12d %12d\n", name, k.Keys, k.Bytes, per(k.Bytes))
	}
	fmt.Fprintf(w, "  %-20s %8d %12d %12d\n", "all keys", keys, bytes, per(bytes))
	// What MEMORY USAGE leaves out: the server's tables of keys and expiries, and
	// whatever else it allocated meanwhile.
	fmt.Fprintf(w, "  %-20s %8s %12d %12d\n", "not in any key", "", used-bytes, per(used-bytes))
}

// clusterer replays articles through lookup.Service.Index.
type clusterer struct {
	svc       *lookup.Service
	out       io.Writer
	progress  *progress
	inputSize int64 // bytes, 0 when unknown (a pipe)
	// merged maps a story folded into another by the merge pass to the one it
	// was folded into (nil when the pass is off). A line's story is known only
	// when the replay ends, since a later article can merge it: the output is
	// then held until the end (some 60 bytes a line).
	merged   map[string]string
	held     []clusterOut
	articles int // replayed, once run returns
}

// merge is told of each merge of the pass (lookup.Options.Merged).
func (c *clusterer) merge(from, into string) { c.merged[from] = into }

// final returns the story sid's articles are in at the end of the replay.
func (c *clusterer) final(sid string) string {
	// Each merge folds a story into one that exists, so the chain ends; it is
	// at most as long as the merges.
	for i := 0; i <= len(c.merged); i++ {
		to, ok := c.merged[sid]
		if !ok {
			return sid
		}
		sid = to
	}
	return sid
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
	// Each unknown field name, and two dates that disagree, are told once per run:
	// a corpus repeats its schema on every line.
	warned := map[string]bool{}
	warnOnce := func(key, format string, args ...any) {
		if !warned[key] {
			warned[key] = true
			c.progress.println(fmt.Sprintf(format, args...))
		}
	}
	var n, badDates, fieldWarnings int
	for line := 1; sc.Scan(); line++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted after %s: %w", plural(n, "article", "articles"), err)
		}
		raw := sc.Bytes()
		if line == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\ufeff")) // a byte order mark some editors write
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		in, unknown, err := parseClusterLine(raw, line)
		if err != nil {
			return err
		}
		for _, f := range unknown {
			switch {
			case warned["field "+f]:
			case fieldWarnings < maxFieldWarnings:
				fieldWarnings++
				warnOnce("field "+f, "warning: line %d: unknown field %q ignored (known: %s)", line, f, strings.Join(clusterFields, ", "))
			default:
				warnOnce("more fields", "warning: line %d: more unknown fields ignored; no more are listed", line)
			}
		}
		if in.bothDates {
			warnOnce("both dates", `warning: line %d: both "published" and "date" given; "published" is used`, line)
		}
		a, ok := clusterArticle(in, line, c.svc)
		if !ok {
			badDates++
		}
		sid, err := c.svc.Index(ctx, a, in.Text)
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if c.merged != nil {
			c.held = append(c.held, clusterOut{ID: in.ID, Story: sid})
		} else if err := enc.Encode(clusterOut{ID: in.ID, Story: sid}); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		n++
		storiesSeen[sid] = true
		frac := -1.0
		if c.inputSize > 0 {
			frac = float64(counter.n) / float64(c.inputSize)
		}
		rate := float64(n) / max(time.Since(start).Seconds(), 1e-9)
		c.progress.show(frac, "%s, %s, %.0f articles/s", plural(n, "article", "articles"), plural(len(storiesSeen), "story", "stories"), rate)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("an input line is longer than %d bytes", maxClusterLine)
		}
		return fmt.Errorf("read: %w", err)
	}
	for _, o := range c.held {
		o.Story = c.final(o.Story)
		if err := enc.Encode(o); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	for from := range c.merged {
		delete(storiesSeen, from)
	}
	c.progress.done()
	c.articles = n
	took := time.Since(start)
	rate := float64(n) / max(took.Seconds(), 1e-9)
	fmt.Fprintf(c.progress.w, "clustered %s into %s in %s (%.0f articles/s)\n",
		plural(n, "article", "articles"), plural(len(storiesSeen), "story", "stories"), took.Round(time.Millisecond), rate)
	if badDates > 0 {
		fmt.Fprintf(c.progress.w, "warning: %s had a \"published\" that is neither RFC 3339 nor YYYY-MM-DD; it was ignored\n",
			plural(badDates, "article", "articles"))
	}
	return nil
}

// parseClusterLine decodes and checks one input line of `parallax cluster`; line
// is its number. It returns the line's fields, and the names of the fields it
// does not know (sorted) for the caller to warn about. Errors read "line N: ..."
// in words about the input, not about Go's types. Field names match
// case-insensitively, as encoding/json matched them before.
func parseClusterLine(raw []byte, line int) (clusterIn, []string, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return clusterIn{}, nil, fmt.Errorf("line %d: not a JSON object (%s)", line, notAnObject(raw, err))
	}
	var in clusterIn
	var date string
	var unknown []string
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		name, known := clusterField(key, fields)
		if !known {
			unknown = append(unknown, key)
			continue
		}
		if name == "" {
			continue
		}
		v := fields[key]
		if name == "id" {
			in.ID = v
			continue
		}
		if string(v) == "null" {
			continue // as absent, as before
		}
		var s string
		if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil {
			return clusterIn{}, nil, fmt.Errorf("line %d: %q must be a string, not %s", line, name, jsonKind(v))
		}
		switch name {
		case "url":
			in.URL = s
		case "title":
			in.Title = s
		case "text":
			in.Text = s
		case "published":
			in.Published = s
		case "date":
			date = s
		}
	}
	if len(in.ID) == 0 || string(in.ID) == "null" {
		return clusterIn{}, nil, fmt.Errorf(`line %d: no "id"`, line)
	}
	switch p, d := strings.TrimSpace(in.Published), strings.TrimSpace(date); {
	case p == "":
		in.Published = date
	case d != "" && d != p:
		in.bothDates = true
	}
	return in, unknown, nil
}

// clusterField returns the known field that key names; known is false for an
// unknown key. An exact name wins over a key that differs from it in case only,
// which is known but ignored (name "").
func clusterField(key string, fields map[string]json.RawMessage) (name string, known bool) {
	if slices.Contains(clusterFields, key) {
		return key, true
	}
	for _, f := range clusterFields {
		if strings.EqualFold(key, f) {
			if _, exact := fields[f]; exact {
				return "", true
			}
			return f, true
		}
	}
	return "", false
}

// notAnObject says why a line that should be a JSON object is not, given the
// error of decoding it (nil when it is null).
func notAnObject(raw []byte, err error) string {
	var se *json.SyntaxError
	trimmed := bytes.TrimSpace(raw)
	switch {
	case len(trimmed) > 0 && trimmed[0] != '{' && json.Valid(trimmed):
		return "it is " + jsonKind(trimmed)
	case len(trimmed) > 0 && trimmed[0] != '{':
		r, _ := utf8.DecodeRune(trimmed)
		return fmt.Sprintf("it starts with %q", r)
	case errors.As(err, &se) && strings.HasPrefix(se.Error(), "unexpected end"):
		return "it ends before the object is closed"
	case errors.As(err, &se):
		return fmt.Sprintf("%s at byte %d", se.Error(), se.Offset)
	}
	return "it is not valid JSON"
}

// jsonKind names the kind of a valid JSON value for messages.
func jsonKind(v []byte) string {
	switch v = bytes.TrimSpace(v); {
	case len(v) == 0:
		return "empty"
	case v[0] == '{':
		return "an object"
	case v[0] == '[':
		return "an array"
	case v[0] == '"':
		return "a string"
	case v[0] == 't' || v[0] == 'f':
		return "true or false"
	case v[0] == 'n':
		return "null"
	}
	return "a number"
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
	a.Provenance = stories.ProvenanceImport
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
