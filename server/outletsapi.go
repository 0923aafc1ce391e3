package main

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"
	"github.com/parallax-news/parallax/internal/outlets"
)

// Paging of GET /api/v1/outlets.
const (
	defaultPerPage = 50
	maxPerPage     = 200
)

type outletPage struct {
	Outlets []*outletOut `json:"outlets"`
	Total   int          `json:"total"`
	Page    int          `json:"page"`
	PerPage int          `json:"per_page"`
}

// listOutlets handles GET /api/v1/outlets?bias=&country=&page=&per_page=.
func (a *api) listOutlets(c *echo.Context) error {
	bias := strings.ToLower(strings.TrimSpace(c.QueryParam("bias")))
	if bias != "" && bias != "unrated" && !outlets.Bias(bias).Valid() {
		return errBadRequest("invalid_filter", "bias must be one of far-left, left, lean-left, center, lean-right, right, far-right or unrated.")
	}
	country := strings.ToUpper(strings.TrimSpace(c.QueryParam("country")))
	if country != "" && len(country) != 2 {
		return errBadRequest("invalid_filter", "country must be a two-letter ISO 3166-1 code, like GB.")
	}
	page, err := intParam(c, "page", 1, 1, 1<<20)
	if err != nil {
		return err
	}
	perPage, err := intParam(c, "per_page", defaultPerPage, 1, maxPerPage)
	if err != nil {
		return err
	}
	var match []outlets.Outlet
	for _, o := range a.outlets.All() {
		switch {
		case bias == "unrated" && o.Bias != "":
		case bias != "" && bias != "unrated" && string(o.Bias) != bias:
		case country != "" && o.Country != country:
		default:
			match = append(match, o)
		}
	}
	out := outletPage{Outlets: []*outletOut{}, Total: len(match), Page: page, PerPage: perPage}
	for i := (page - 1) * perPage; i < len(match) && i < page*perPage; i++ {
		out.Outlets = append(out.Outlets, outletOf(&match[i]))
	}
	return c.JSON(http.StatusOK, out)
}

// getOutlet handles GET /api/v1/outlets/{domain}: the outlet publishing on that host.
func (a *api) getOutlet(c *echo.Context) error {
	o, ok := a.outlets.Lookup(c.Param("domain"))
	if !ok {
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "No outlet in the registry publishes on that domain."}
	}
	return c.JSON(http.StatusOK, outletOf(&o))
}

func intParam(c *echo.Context, name string, def, lo, hi int) (int, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, errBadRequest("invalid_parameter", name+" must be a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi)+".")
	}
	return n, nil
}
