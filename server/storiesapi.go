package main

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"
	"github.com/parallax-news/parallax/internal/store"
)

// Bounds of the story listings.
const (
	// defaultStoriesLimit is how many stories GET /api/v1/stories lists by default.
	defaultStoriesLimit = 20
	// defaultBlindspots and maxBlindspots bound each side of GET /api/v1/blindspots:
	// a page shows a few; finding them scans listings whatever the limit.
	defaultBlindspots = 20
	maxBlindspots     = 100
)

// listStories handles GET /api/v1/stories?sort=recent|coverage&offset=N&limit=N.
func (a *api) listStories(c *echo.Context) error {
	sort := strings.ToLower(c.QueryParamOr("sort", store.ByRecent))
	if sort != store.ByRecent && sort != store.ByCoverage {
		return errBadRequest("invalid_parameter", "sort must be recent or coverage.")
	}
	limit, err := intParam(c, "limit", defaultStoriesLimit, 1, store.MaxListing)
	if err != nil {
		return err
	}
	offset, err := intParam(c, "offset", 0, 0, store.MaxListingDepth-1)
	if err != nil {
		return err
	}
	if offset+limit > store.MaxListingDepth {
		return errBadRequest("invalid_parameter", "offset + limit must be at most "+strconv.Itoa(store.MaxListingDepth)+": listings reach the first "+strconv.Itoa(store.MaxListingDepth)+" stories.")
	}
	list, err := a.store.ListStories(c.Request().Context(), store.ListOptions{By: sort, Offset: offset, Limit: limit})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		Stories []storySummary `json:"stories"`
	}{a.summariesOf(list)})
}

// getBlindspots handles GET /api/v1/blindspots?limit=N: the current blindspot
// stories of each side (see lookup.Service.Blindspots).
func (a *api) getBlindspots(c *echo.Context) error {
	limit, err := intParam(c, "limit", defaultBlindspots, 1, maxBlindspots)
	if err != nil {
		return err
	}
	b, err := a.lookups.Blindspots(c.Request().Context(), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		Left  []storySummary `json:"left"`
		Right []storySummary `json:"right"`
	}{a.summariesOf(b.Left), a.summariesOf(b.Right)})
}
