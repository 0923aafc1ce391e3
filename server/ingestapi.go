package main

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/parallax-news/parallax/internal/feeds"
)

type feedStatus struct {
	URL         string     `json:"url"`
	Outlet      string     `json:"outlet"`
	Health      string     `json:"health"`
	LastStatus  string     `json:"last_status,omitempty"`
	LastPoll    *time.Time `json:"last_poll"`
	LastSuccess *time.Time `json:"last_success"`
	NextPoll    *time.Time `json:"next_poll"`
	Failures    int        `json:"failures"`
	LastError   string     `json:"last_error,omitempty"`
	ItemsSeen   int64      `json:"items_seen"`
}

// feedsStatus handles GET /api/v1/feeds/status?health=: every feed's polling
// state and the counts by health.
func (a *api) feedsStatus(c *echo.Context) error {
	want := strings.ToLower(c.QueryParam("health"))
	switch want {
	case "", feeds.Healthy, feeds.BackingOff, feeds.Failing, feeds.NeverPolled:
	default:
		return errBadRequest("invalid_filter", "health must be healthy, backing_off, failing or new.")
	}
	status, err := a.ingest.Status(c.Request().Context())
	if err != nil {
		return err
	}
	out := struct {
		Counts map[string]int `json:"counts"`
		Feeds  []feedStatus   `json:"feeds"`
	}{
		Counts: map[string]int{feeds.Healthy: 0, feeds.BackingOff: 0, feeds.Failing: 0, feeds.NeverPolled: 0},
		Feeds:  []feedStatus{},
	}
	for _, s := range status {
		out.Counts[s.Health]++
		if want != "" && s.Health != want {
			continue
		}
		out.Feeds = append(out.Feeds, feedStatus{
			URL: s.URL, Outlet: s.OutletID, Health: s.Health, LastStatus: s.State.LastStatus,
			LastPoll: timeOrNil(s.State.LastPoll), LastSuccess: timeOrNil(s.State.LastSuccess), NextPoll: timeOrNil(s.State.NextPoll),
			Failures: s.State.Failures, LastError: s.State.LastError, ItemsSeen: s.State.ItemsSeen,
		})
	}
	return c.JSON(http.StatusOK, out)
}
