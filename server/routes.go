package main

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
	"github.com/parallax-news/parallax/internal/web"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

//go:embed openapi.json
var openAPIDoc []byte

// pinger is what /readyz needs of the store: that it answers, and that it keeps
// what it is given (the embedded store's snapshots are being written).
type pinger interface {
	Ping(ctx context.Context) error
	Durable() error
}

// readyTimeout bounds the store check behind /readyz; orchestrators probe often.
const readyTimeout = 2 * time.Second

// newEcho builds the HTTP application: middleware, the one error handler and the
// one route table.
func newEcho(log *slog.Logger, cfg Config, m *metrics, a *api, pg *pages, store pinger, tokens *tokenSet) *echo.Echo {
	e := echo.New()
	e.Logger = log
	e.HTTPErrorHandler = errorHandler(log, pg)
	// Outermost first: the logger sees the final status, the metrics middleware
	// renders errors (so panics turned into errors by Recover are counted too).
	e.Use(requestLogger(log))
	e.Use(m.middleware)
	e.Use(middleware.Recover())
	e.Use(extensionCORS(cfg.ExtensionOrigins))
	e.Use(crossSiteGuard(cfg.ExtensionOrigins))
	e.Use(tokenAuth(tokens))
	if cfg.ClientRate > 0 {
		e.Use(rateLimit(newClientLimits(cfg.ClientRate, cfg.ClientBurst), tokens))
	}
	e.Use(middleware.BodyLimit(maxBodyBytes))

	e.GET("/healthz", func(c *echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", func(c *echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			return err
		}
		if err := store.Durable(); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})), metricsAuth(cfg.MetricsToken))

	v1 := e.Group("/api/v1")
	v1.GET("/openapi.json", func(c *echo.Context) error {
		return c.Blob(http.StatusOK, "application/json", openAPIDoc)
	})
	v1.POST("/lookup", a.postLookup)
	v1.GET("/lookup", a.getLookup)
	v1.GET("/stories", a.listStories)
	v1.GET("/stories/:id", a.getStory)
	v1.POST("/stories/:id/articles/:article_id/detach", a.detach)
	v1.POST("/stories/:id/articles/:article_id/attach", a.attach)
	v1.GET("/corrections", a.listCorrections)
	v1.GET("/blindspots", a.getBlindspots)
	v1.GET("/feeds/status", a.feedsStatus)
	v1.GET("/outlets", a.listOutlets)
	v1.GET("/outlets/:domain", a.getOutlet)
	admin := adminAuth(cfg.AdminToken)
	v1.GET("/admin/posts", a.listPosts, admin)
	v1.DELETE("/admin/posts", a.purgePosts, admin)

	// The HTML pages (see pages.go).
	e.GET("/", pg.home)
	e.GET("/stories/:id", pg.story)
	e.POST("/stories/:id/articles/:article_id/detach", pg.detach)
	e.POST("/stories/:id/articles/:article_id/attach", pg.attach)
	e.GET("/blindspots", pg.blindspots)
	e.GET("/outlets/:id", pg.outlet)
	e.GET("/search", pg.search)
	e.POST(web.LoginPath, pg.login)
	e.GET(web.AssetsPrefix+"*", echo.WrapHandler(pg.web.Assets()))
	return e
}

// requestLogger logs every request through slog. The route pattern is logged, not
// the URI: a lookup's query holds the URL a reader is reading, which stays out of
// the logs unless debug logging is on.
func requestLogger(log *slog.Logger) echo.MiddlewareFunc {
	debug := log.Enabled(context.Background(), slog.LevelDebug)
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus:   true,
		LogMethod:   true,
		LogLatency:  true,
		LogURI:      debug,
		LogRemoteIP: true,
		LogValuesFunc: func(c *echo.Context, v middleware.RequestLoggerValues) error {
			attrs := []slog.Attr{
				slog.String("method", v.Method),
				slog.String("route", routeOf(c)),
				slog.Int("status", v.Status),
				slog.Float64("latency_ms", float64(v.Latency.Microseconds())/1000),
				slog.String("remote_ip", v.RemoteIP),
			}
			if debug {
				attrs = append(attrs, slog.String("uri", v.URI))
			}
			log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request", attrs...)
			return nil
		},
	})
}
