package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/parallax-news/parallax/internal/fetch"
	"github.com/parallax-news/parallax/internal/ingest"
	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
	"github.com/parallax-news/parallax/internal/web"
)

// Server timeouts. Lookups that fetch are bounded by the fetch timeout; the write
// timeout leaves room for it plus matching.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	// shutdownGrace is how long in-flight requests may run after SIGTERM.
	shutdownGrace = 20 * time.Second
	// matchBudget is the time a lookup may take beyond its fetch: extraction of a
	// large page and matching with retries under contention.
	matchBudget = 15 * time.Second
	// verifyWorkers is how many posted pages the server checks against the
	// publisher at once: background work, kept small beside the readers'.
	verifyWorkers = 2
)

// server is the assembled application: configuration, store, services and routes.
type server struct {
	cfg     Config
	log     *slog.Logger
	store   *store.Redis
	metrics *metrics
	echo    *echo.Echo
	lookups *lookup.Service
	ingest  *ingest.Ingester
	api     *api
}

// newServer wires the application from cfg. The caller must Close it.
func newServer(ctx context.Context, cfg Config, log *slog.Logger) (*server, error) {
	registry, notes, err := outlets.Load(cfg.OutletsFile)
	if err != nil {
		return nil, fmt.Errorf("outlet registry: %w", err)
	}
	for _, n := range notes {
		log.Warn("outlets file: "+n, "file", cfg.OutletsFile)
	}
	m := newMetrics()
	st, err := store.Open(ctx, store.Options{
		URL:           cfg.RedisURL,
		Prefix:        cfg.StorePrefix,
		DataDir:       cfg.DataDir,
		Retention:     cfg.Retention,
		SnapshotEvery: cfg.SnapshotInterval,
		Logger:        log,
		Observe:       m.observeStore,
		OnSnapshot:    m.observeSnapshot,
	})
	if err != nil {
		return nil, err
	}
	if cfg.RedisURL != "" {
		// An index of the layout before hash tags reads as empty to this version,
		// which would then write a second index beside it: refuse, and say what to
		// run. A Redis that does not answer yet is /readyz's business.
		if legacy, err := st.LegacyLayout(ctx); err != nil {
			log.Warn("could not check the index's key layout", "err", err)
		} else if legacy {
			st.Close()
			return nil, fmt.Errorf("%w: stop every server of this index and run `parallax migrate` (README, Upgrading)", store.ErrLegacyLayout)
		}
	}
	fetcher := fetch.New(fetch.Options{Timeout: cfg.FetchTimeout, AllowPrivate: cfg.FetchAllowPrivate, Version: version})
	svc := lookup.New(lookup.Options{
		Store:    st,
		Fetcher:  fetcher,
		Outlets:  registry,
		Matcher:  stories.DefaultConfig(),
		Logger:   log,
		Observe:  m.observeLookup,
		Timeout:  cfg.FetchTimeout + matchBudget,
		MaxWork:  cfg.MaxLookups,
		MaxQueue: cmp.Or(cfg.LookupQueue, lookup.NoQueue),
		// With API tokens the server is shared, and a posted page is its reader's
		// word, not the publisher's (see internal/lookup/posts.go).
		Shared:      len(cfg.APITokens) > 0,
		ObservePost: m.observePost,
	})
	m.observeAdmission(svc)
	in := newIngester(cfg, log, m, st, svc, fetcher, registry)
	s := &server{cfg: cfg, log: log, store: st, metrics: m, lookups: svc, ingest: in}
	tokens := newTokenSet(cfg.APITokens)
	s.api = &api{lookups: svc, outlets: registry, ingest: in, store: st, tokens: tokens, metrics: m, answers: newAnswerCache()}
	pagesWeb, err := web.New(registry)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("pages: %w", err)
	}
	pg := &pages{web: pagesWeb, lookups: svc, store: st, outlets: registry, tokens: tokens, metrics: m}
	s.echo = newEcho(log, cfg, m, s.api, pg, st, tokens)
	return s, nil
}

// newIngester polls the feeds of every outlet of the registry.
func newIngester(cfg Config, log *slog.Logger, m *metrics, st *store.Redis, svc *lookup.Service, fetcher *fetch.Client, registry *outlets.Registry) *ingest.Ingester {
	var sources []ingest.Source
	for _, o := range registry.All() {
		for _, f := range o.Feeds {
			sources = append(sources, ingest.Source{URL: f, OutletID: o.ID})
		}
	}
	gap := cfg.IngestHostGap
	if gap == 0 {
		gap = -1 // the operator asked for no gap
	}
	return ingest.New(ingest.Options{
		Store:       st,
		Lookup:      svc,
		Fetcher:     fetcher,
		Sources:     sources,
		Interval:    cfg.PollInterval,
		Concurrency: cfg.IngestConcurrency,
		HostGap:     gap,
		Logger:      log.With("component", "ingest"),
		OnPoll:      m.observePoll,
		OnArticle:   m.observeIngested,
	})
}

// Close releases the store; the embedded store writes its final snapshot.
func (s *server) Close() error { return s.store.Close() }

// startup begins the commands that run the server's code (serve, ingest): it loads
// the configuration, reporting a bad one on standard error, and builds the process
// logger, which the Redis driver logs through too. quiet keeps only errors. ok false
// means the command exits with status 2.
func startup(env *environment, quiet bool) (cfg Config, log *slog.Logger, ok bool) {
	cfg, err := loadConfig(env.getenv)
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax:", err)
		return cfg, nil, false
	}
	logCfg := cfg
	if quiet {
		logCfg.LogLevel = max(cfg.LogLevel, slog.LevelError)
	}
	log = newLogger(logCfg, env.stderr)
	store.RouteDriverLogs(log)
	return cfg, log, true
}

func runServe(args []string, env *environment) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "usage: parallax serve\n\nThe server is configured by environment variables; see `parallax help`.")
	}
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	cfg, log, ok := startup(env, false)
	if !ok {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A file size limit (ulimit -f) must fail the snapshot write, which is
	// reported, rather than kill the process with the index in it.
	signal.Ignore(syscall.SIGXFSZ)
	// The port is bound before anything else starts: a server that cannot listen
	// must exit at once, not poll a thousand feeds for nobody.
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.Addr)
	if err != nil {
		log.Error("cannot listen", "err", err)
		return 1
	}
	if !loopbackOnly(ln.Addr()) && len(cfg.APITokens) == 0 {
		log.Warn("LISTENING BEYOND THIS MACHINE WITH NO API TOKEN: anyone who can reach " + ln.Addr().String() +
			" can make this server fetch pages and write into its index; set PARALLAX_API_TOKENS, or PARALLAX_ADDR=127.0.0.1:8080 to keep it to this machine")
	}
	s, err := newServer(ctx, cfg, log)
	if err != nil {
		ln.Close()
		log.Error("cannot start", "err", err)
		return 1
	}
	if s.store.Embedded() {
		log.Info("using the embedded store; set PARALLAX_REDIS_URL to use Redis", "data_dir", cfg.DataDir)
	} else if err := s.store.Ping(ctx); err != nil {
		log.Warn("redis does not answer yet; /readyz reports it and lookups fail with 503 until it does", "err", err)
	}
	sc := echo.StartConfig{
		Listener:        ln,
		HideBanner:      true,
		HidePort:        true,
		GracefulTimeout: shutdownGrace,
		ListenerAddrFunc: func(addr net.Addr) {
			log.Info("parallax listening", "addr", addr.String(), "version", version)
		},
		BeforeServeFunc: func(hs *http.Server) error {
			hs.ReadHeaderTimeout = readHeaderTimeout
			hs.ReadTimeout = readTimeout
			hs.WriteTimeout = cfg.FetchTimeout + readTimeout
			hs.IdleTimeout = idleTimeout
			return nil
		},
	}
	// The ingester stops with the signal, and also when the server fails: Start
	// returning an error must not leave feeds being polled behind a dead listener.
	ingestCtx, stopIngest := context.WithCancel(ctx)
	defer stopIngest()
	var ingesting sync.WaitGroup
	if cfg.Ingest {
		log.Info("polling feeds", "feeds", s.ingest.Feeds(), "interval", cfg.PollInterval, "concurrency", cfg.IngestConcurrency)
		ingesting.Go(func() { s.ingest.Run(ingestCtx) })
	} else {
		log.Info("feed ingestion is off (PARALLAX_INGEST=off); lookups still index what readers look up")
	}
	if len(cfg.APITokens) > 0 {
		// Posted pages are checked against the publisher's own page in the
		// background, two at a time; it stops with the ingester.
		ingesting.Go(func() { s.lookups.RunVerifier(ingestCtx, verifyWorkers) })
	}
	serveErr := sc.Start(ctx, s.echo)
	// Start returns once the listener is closed and in-flight requests are done
	// (or the grace period ran out), or when serving failed. Only once the ingester
	// has stopped too is the store closed, so the final snapshot holds every
	// finished lookup.
	stopIngest()
	ingesting.Wait()
	closeErr := s.Close()
	switch {
	case serveErr != nil:
		log.Error("server failed", "err", serveErr)
		return 1
	case closeErr != nil:
		log.Error("stopped with an error: "+closeErr.Error(), "err", closeErr)
		return 1
	}
	log.Info("parallax stopped")
	return 0
}

// loopbackOnly reports whether a listener is reachable from this machine only.
// ":8080" listens on the unspecified address, every interface.
func loopbackOnly(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
