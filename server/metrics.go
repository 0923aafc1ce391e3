package main

import (
	"errors"
	"strconv"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus collectors, registered on a registry of their
// own (never the global default) so tests can build as many servers as they like.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	lookups   *prometheus.CounterVec
	storeCall *prometheus.HistogramVec
	polls     *prometheus.CounterVec
	ingested  *prometheus.CounterVec
	lag       prometheus.Histogram
	posts     *prometheus.CounterVec
	// The embedded store's checkpoints.
	snapshots        *prometheus.HistogramVec
	snapshotPause    prometheus.Histogram
	snapshotFailures prometheus.Counter
	// Readers' corrections of the matcher ("not this story" and its undo).
	detaches, attaches prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parallax_http_requests_total",
			Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "parallax_http_request_duration_seconds",
			Help:    "HTTP request latency by route and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parallax_lookups_total",
			Help: "Lookups by outcome: indexed (answered from the index), posted (page sent by the client), fetched, error.",
		}, []string{"outcome"}),
		storeCall: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "parallax_store_call_duration_seconds",
			Help:    "Latency of store calls by operation and result.",
			Buckets: []float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1, 5},
		}, []string{"op", "result"}),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parallax_feed_polls_total",
			Help: "Feed polls by outcome: ok, not_modified, error, leased (another process polled it).",
		}, []string{"outcome"}),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parallax_articles_ingested_total",
			Help: "Articles indexed from feeds, by kind: full (page extracted) or partial (feed text only).",
		}, []string{"kind"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "parallax_ingest_lag_seconds",
			Help:    "Time from an article's publication to its indexing, for articles from feeds.",
			Buckets: []float64{60, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200, 86400, 259200},
		}),
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parallax_posts_total",
			Help: "What became of pages readers posted on a shared server: held (kept unverified), verified or replaced (the publisher's page or feed arrived, with a matching or another title), contradicted (the server's own fetch found another title), unconfirmed (it could not fetch or read the page).",
		}, []string{"result"}),
		snapshots: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "parallax_snapshot_duration_seconds",
			Help:    "Time to write a checkpoint of the embedded store, by kind: base (every key) or journal (the keys changed since the last).",
			Buckets: []float64{.001, .005, .025, .1, .25, 1, 2.5, 5, 10, 30, 60},
		}, []string{"kind"}),
		snapshotPause: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "parallax_snapshot_pause_seconds",
			Help:    "The longest time the embedded store's commands waited for one checkpoint.",
			Buckets: []float64{.0001, .0005, .001, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
		snapshotFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parallax_snapshot_failures_total",
			Help: "Checkpoints of the embedded store that could not be written (the index would be lost on a crash until one succeeds).",
		}),
		detaches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parallax_detach_total",
			Help: "Articles readers took out of a story (\"not this story\"); repeated calls are not counted.",
		}),
		attaches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parallax_attach_total",
			Help: "Articles moved into a story by an attach (most often the undo of a detach).",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.lookups, m.storeCall, m.polls, m.ingested, m.lag, m.posts,
		m.snapshots, m.snapshotPause, m.snapshotFailures, m.detaches, m.attaches,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Show zero counts from the start.
	for _, o := range []lookup.Outcome{lookup.OutcomeIndexed, lookup.OutcomePosted, lookup.OutcomeUnverified, lookup.OutcomeFetched, lookup.OutcomeError} {
		m.lookups.WithLabelValues(string(o))
	}
	for _, o := range []string{lookup.PostHeld, lookup.PostVerified, lookup.PostReplaced, lookup.PostContradicted, lookup.PostUnconfirmed} {
		m.posts.WithLabelValues(o)
	}
	for _, o := range []string{"ok", "not_modified", "error", "leased"} {
		m.polls.WithLabelValues(o)
	}
	m.ingested.WithLabelValues("full")
	m.ingested.WithLabelValues("partial")
	return m
}

// observeLookup counts a lookup outcome.
func (m *metrics) observeLookup(o lookup.Outcome) { m.lookups.WithLabelValues(string(o)).Inc() }

// observePost counts what became of a reader's post.
func (m *metrics) observePost(result string) { m.posts.WithLabelValues(result).Inc() }

// observePoll counts a feed poll.
func (m *metrics) observePoll(outcome string) { m.polls.WithLabelValues(outcome).Inc() }

// observeIngested counts an article from a feed and its lag.
func (m *metrics) observeIngested(partial bool, lag time.Duration) {
	kind := "full"
	if partial {
		kind = "partial"
	}
	m.ingested.WithLabelValues(kind).Inc()
	if lag > 0 {
		m.lag.Observe(lag.Seconds())
	}
}

// observeSnapshot records one checkpoint of the embedded store.
func (m *metrics) observeSnapshot(ev store.SnapshotEvent) {
	if ev.Err != nil {
		m.snapshotFailures.Inc()
		return
	}
	m.snapshots.WithLabelValues(ev.Kind).Observe(ev.Took.Seconds())
	m.snapshotPause.Observe(ev.Pause.Seconds())
}

// observeStore records one store call.
func (m *metrics) observeStore(op string, d time.Duration, err error) {
	result := "ok"
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		result = "not_found"
	case errors.Is(err, store.ErrConflict):
		result = "conflict"
	case errors.Is(err, store.ErrUnavailable):
		result = "unavailable"
	default:
		result = "error"
	}
	m.storeCall.WithLabelValues(op, result).Observe(d.Seconds())
}

// middleware counts and times every request by its route pattern (never the raw
// path, which would make one series per looked-up URL). Errors are rendered here,
// through the one error handler, so the recorded status is the one sent.
func (m *metrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Echo().HTTPErrorHandler(c, err)
		}
		status := 0
		if resp, uerr := echo.UnwrapResponse(c.Response()); uerr == nil {
			status = resp.Status
		}
		route, method := routeOf(c), c.Request().Method
		m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
		m.latency.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		return nil
	}
}

// routeOf returns the matched route pattern, or "unmatched".
func routeOf(c *echo.Context) string {
	if p := c.Path(); p != "" {
		return p
	}
	return "unmatched"
}

// observeAdmission exports the lookup gate's load: how many lookups work and how
// many wait, read when scraped.
func (m *metrics) observeAdmission(svc *lookup.Service) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "parallax_lookups_working",
			Help: "Lookups fetching, extracting or matching now (at most PARALLAX_MAX_LOOKUPS).",
		}, func() float64 { w, _ := svc.Load(); return float64(w) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "parallax_lookups_waiting",
			Help: "Lookups waiting for a slot (at most PARALLAX_LOOKUP_QUEUE); beyond, they are answered 503 busy.",
		}, func() float64 { _, q := svc.Load(); return float64(q) }),
	)
}
