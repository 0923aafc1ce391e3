package main

import (
	"errors"
	"fmt"
	"github.com/parallax-news/parallax/internal/outlets"
	"log/slog"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the server's configuration, read once from the environment and passed
// down; no package reads the environment on its own.
type Config struct {
	Addr              string
	RedisURL          string
	DataDir           string
	FetchAllowPrivate bool
	FetchTimeout      time.Duration
	Retention         time.Duration
	LogLevel          slog.Level
	LogFormat         string
	APITokens         []string
	OutletsFile       string
	Ingest            bool
	PollInterval      time.Duration
	IngestConcurrency int
	IngestHostGap     time.Duration
	SnapshotInterval  time.Duration
	MaxLookups        int // 0: four per core
	LookupQueue       int
	ClientRate        float64 // lookups and writes per second per client; 0 turns the limit off
	ClientBurst       int
	ExtensionOrigins  originPolicy
	MetricsToken      string
	AdminToken        string

	// StorePrefix is the key prefix in Redis; store.DefaultPrefix when empty. No
	// variable sets it: tests and benchmarks on a shared Redis give their own.
	StorePrefix string
}

// Bounds on the configurable durations: outside them the server would either give
// up on every real publisher or let one slow page hold a request for minutes.
const (
	minFetchTimeout = time.Second
	maxFetchTimeout = 2 * time.Minute
	minRetention    = time.Hour
	maxRetention    = 5 * 365 * 24 * time.Hour
	// minTokenLength refuses guessable API tokens.
	minTokenLength = 16
	// Feed polling bounds: faster than a minute is not polite to any site, slower
	// than a day is not news; more than 64 fetches at once is a crawler.
	minPollInterval      = time.Minute
	maxPollInterval      = 24 * time.Hour
	maxIngestConcurrency = 64
	maxHostGap           = time.Minute
	// The embedded store's checkpoint period is the most a crash loses: under a
	// second costs disk writes for nothing, over ten minutes is a lot to lose.
	// Admission bounds: more lookups at once than this, or a longer queue, is
	// memory (a posted page is up to 5 MiB) without any gain in throughput.
	maxMaxLookups  = 1024
	maxLookupQueue = 4096
	// A client rate above this is no limit at all; a burst above this is memory.
	maxClientRate       = 10_000
	maxClientBurst      = 10_000
	minSnapshotInterval = time.Second
	maxSnapshotInterval = 10 * time.Minute
)

// envVars documents every variable loadConfig reads, with its default; the README's
// table and `parallax help` are made from it.
var envVars = []struct{ Name, Default, Doc string }{
	{"PARALLAX_ADDR", "127.0.0.1:8080", "address the HTTP server listens on; loopback only unless you set another (e.g. :8080)"},
	{"PARALLAX_REDIS_URL", "", "redis:// or rediss:// URL of Redis; unset runs the embedded store"},
	{"PARALLAX_DATA_DIR", "./data", "folder of the embedded store's snapshot and journal"},
	{"PARALLAX_SNAPSHOT_INTERVAL", "5s", "how often the embedded store writes what changed to disk: the most a crash loses (1s to 10m)"},
	{"PARALLAX_FETCH_ALLOW_PRIVATE", "false", "let the fetcher reach private and loopback addresses (tests only)"},
	{"PARALLAX_FETCH_TIMEOUT", "15s", "total time allowed to fetch one page (1s to 2m)"},
	{"PARALLAX_RETENTION", "720h", "how long stories live after their last new article (1h to 5 years)"},
	{"PARALLAX_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"PARALLAX_LOG_FORMAT", "text", "text or json"},
	{"PARALLAX_API_TOKENS", "", "comma-separated bearer tokens; when set, /api/* requires one"},
	{"PARALLAX_MAX_LOOKUPS", "0", "lookups that may fetch, extract and match at once (0: four per core; up to 1024); answers from the index are not counted"},
	{"PARALLAX_LOOKUP_QUEUE", "32", "lookups that may wait up to 0.1s for one of those slots (0 to 4096); beyond, 503 busy with Retry-After"},
	{"PARALLAX_CLIENT_RATE", "5", "lookups and writes per second allowed to one client (per API token, else per address; 0 turns the limit off); beyond, 429 with Retry-After"},
	{"PARALLAX_CLIENT_BURST", "30", "how many of them one client may send at once before its rate applies (1 to 10000)"},
	{"PARALLAX_EXTENSION_ORIGINS", "", "comma-separated extension origins allowed to call the API (e.g. chrome-extension://<id>); unset allows any extension"},
	{"PARALLAX_METRICS_TOKEN", "", "bearer token /metrics requires; unset leaves /metrics open"},
	{"PARALLAX_ADMIN_TOKEN", "", "bearer token of the operator routes /api/v1/admin/* (list and purge what one API token posted); unset turns them off"},
	{"PARALLAX_OUTLETS_FILE", "", "JSON file of outlet records merged over the built-in registry"},
	{"PARALLAX_INGEST", "on", "poll the outlets' feeds and index new articles (on or off)"},
	{"PARALLAX_POLL_INTERVAL", "10m", "how often each feed is polled (1m to 24h; jittered)"},
	{"PARALLAX_INGEST_CONCURRENCY", "8", "feeds and pages fetched at once (1 to 64)"},
	{"PARALLAX_INGEST_HOST_GAP", "2s", "least time between two requests to one site (0 to 1m)"},
}

// loadConfig reads the configuration through getenv (os.Getenv outside tests),
// applying defaults, and reports every invalid variable at once.
func loadConfig(getenv func(string) string) (Config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		for _, e := range envVars {
			if e.Name == name {
				return e.Default
			}
		}
		return ""
	}
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	c := Config{
		Addr:        get("PARALLAX_ADDR"),
		RedisURL:    get("PARALLAX_REDIS_URL"),
		DataDir:     get("PARALLAX_DATA_DIR"),
		LogFormat:   strings.ToLower(get("PARALLAX_LOG_FORMAT")),
		OutletsFile: get("PARALLAX_OUTLETS_FILE"),
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		bad("PARALLAX_ADDR", "%q is not host:port (e.g. 127.0.0.1:8080, or :8080 for every interface)", c.Addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("PARALLAX_ADDR", "port %q is not a number from 0 to 65535", port)
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			bad("PARALLAX_REDIS_URL", "must be redis://host:port or rediss://host:port")
		}
	}
	var err error
	if c.FetchAllowPrivate, err = strconv.ParseBool(get("PARALLAX_FETCH_ALLOW_PRIVATE")); err != nil {
		bad("PARALLAX_FETCH_ALLOW_PRIVATE", "%q is not true or false", get("PARALLAX_FETCH_ALLOW_PRIVATE"))
	}
	c.FetchTimeout = duration(get, "PARALLAX_FETCH_TIMEOUT", minFetchTimeout, maxFetchTimeout, bad)
	c.Retention = duration(get, "PARALLAX_RETENTION", minRetention, maxRetention, bad)
	c.SnapshotInterval = duration(get, "PARALLAX_SNAPSHOT_INTERVAL", minSnapshotInterval, maxSnapshotInterval, bad)
	if err := c.LogLevel.UnmarshalText([]byte(get("PARALLAX_LOG_LEVEL"))); err != nil {
		bad("PARALLAX_LOG_LEVEL", "%q is not debug, info, warn or error", get("PARALLAX_LOG_LEVEL"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("PARALLAX_LOG_FORMAT", "%q is not text or json", c.LogFormat)
	}
	switch v := strings.ToLower(get("PARALLAX_INGEST")); v {
	case "on", "true", "1":
		c.Ingest = true
	case "off", "false", "0":
	default:
		bad("PARALLAX_INGEST", "%q is not on or off", v)
	}
	c.PollInterval = duration(get, "PARALLAX_POLL_INTERVAL", minPollInterval, maxPollInterval, bad)
	c.IngestHostGap = duration(get, "PARALLAX_INGEST_HOST_GAP", 0, maxHostGap, bad)
	if n, err := strconv.Atoi(get("PARALLAX_INGEST_CONCURRENCY")); err != nil || n < 1 || n > maxIngestConcurrency {
		bad("PARALLAX_INGEST_CONCURRENCY", "%q is not a whole number from 1 to %d", get("PARALLAX_INGEST_CONCURRENCY"), maxIngestConcurrency)
	} else {
		c.IngestConcurrency = n
	}
	// Empty entries ("a,,b", a trailing comma) are ignored: the other tokens are
	// still required. But a variable that is set and holds no token at all (",,,",
	// " ") would silently run the API without authentication, so it is refused; get
	// trims a blank value to the default, hence the raw read.
	given := 0
	for _, t := range strings.Split(get("PARALLAX_API_TOKENS"), ",") {
		switch t = strings.TrimSpace(t); {
		case t == "":
		case len(t) < minTokenLength:
			given++
			bad("PARALLAX_API_TOKENS", "a token is shorter than %d characters; use long random tokens (e.g. openssl rand -hex 24)", minTokenLength)
		default:
			given++
			c.APITokens = append(c.APITokens, t)
		}
	}
	c.MaxLookups = count(get, "PARALLAX_MAX_LOOKUPS", 0, maxMaxLookups, bad)
	c.LookupQueue = count(get, "PARALLAX_LOOKUP_QUEUE", 0, maxLookupQueue, bad)
	if c.ClientRate, err = strconv.ParseFloat(get("PARALLAX_CLIENT_RATE"), 64); err != nil || c.ClientRate < 0 || c.ClientRate > maxClientRate || math.IsNaN(c.ClientRate) {
		bad("PARALLAX_CLIENT_RATE", "%q is not a number of requests per second from 0 to %d", get("PARALLAX_CLIENT_RATE"), maxClientRate)
	}
	c.ClientBurst = count(get, "PARALLAX_CLIENT_BURST", 1, maxClientBurst, bad)
	if c.ExtensionOrigins, err = parseExtensionOrigins(get("PARALLAX_EXTENSION_ORIGINS")); err != nil {
		bad("PARALLAX_EXTENSION_ORIGINS", "%v", err)
	}
	if c.MetricsToken = get("PARALLAX_METRICS_TOKEN"); c.MetricsToken != "" && len(c.MetricsToken) < minTokenLength {
		bad("PARALLAX_METRICS_TOKEN", "is shorter than %d characters; use a long random token (e.g. openssl rand -hex 24)", minTokenLength)
	}
	if c.AdminToken = get("PARALLAX_ADMIN_TOKEN"); c.AdminToken != "" && len(c.AdminToken) < minTokenLength {
		bad("PARALLAX_ADMIN_TOKEN", "is shorter than %d characters; use a long random token (e.g. openssl rand -hex 24)", minTokenLength)
	}
	if getenv("PARALLAX_API_TOKENS") != "" && given == 0 {
		bad("PARALLAX_API_TOKENS", "is set but holds no token; give comma-separated tokens, or unset it to run without authentication")
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return c, nil
}

// count parses a whole number from lo to hi.
func count(get func(string) string, name string, lo, hi int, bad func(string, string, ...any)) int {
	n, err := strconv.Atoi(get(name))
	if err != nil || n < lo || n > hi {
		bad(name, "%q is not a whole number from %d to %d", get(name), lo, hi)
		return 0
	}
	return n
}

// duration parses a Go duration ("15s", "720h"); a plain number of days ("30d") is
// accepted too because retention is naturally said in days.
func duration(get func(string) string, name string, lo, hi time.Duration, bad func(string, string, ...any)) time.Duration {
	raw := get(name)
	var d time.Duration
	if days, ok := strings.CutSuffix(raw, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			bad(name, "%q is not a duration like 30s, 15m, 720h or 30d", raw)
			return 0
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(raw); err != nil {
			bad(name, "%q is not a duration like 30s, 15m, 720h or 30d", raw)
			return 0
		}
	}
	if d < lo || d > hi {
		bad(name, "%s is outside %s to %s", d, lo, hi)
	}
	return d
}

// newLogger builds the process logger from the configuration.
func newLogger(c Config, w interface{ Write([]byte) (int, error) }) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// loadRegistry returns the outlet registry for a batch command: the built-in one with
// PARALLAX_OUTLETS_FILE applied, as the server would use. Notes about overrides that
// changed nothing go to standard error.
func loadRegistry(env *environment) (*outlets.Registry, error) {
	path := strings.TrimSpace(env.getenv("PARALLAX_OUTLETS_FILE"))
	r, notes, err := outlets.Load(path)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		fmt.Fprintf(env.stderr, "warning: %s: %s\n", path, n)
	}
	return r, nil
}
