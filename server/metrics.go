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
	}
	m.reg.MustRegister(m.requests, m.latency, m.lookups, m.storeCall,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, o := range []lookup.Outcome{lookup.OutcomeIndexed, lookup.OutcomePosted, lookup.OutcomeFetched, lookup.OutcomeError} {
		m.lookups.WithLabelValues(string(o)) // show zero counts from the start
	}
	return m
}

// observeLookup counts a lookup outcome.
func (m *metrics) observeLookup(o lookup.Outcome) { m.lookups.WithLabelValues(string(o)).Inc() }

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
