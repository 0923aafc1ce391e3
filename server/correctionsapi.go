package main

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

// The story-understanding routes: "not this story" (detach) and its undo
// (attach), the corrections log, and the evidence and related stories the story
// answers carry.

// matchOut is stories.Evidence as the API gives it: the time gap in seconds.
type matchOut struct {
	Started        bool     `json:"started"`
	Score          float64  `json:"score"`
	Threshold      float64  `json:"threshold"`
	Title          float64  `json:"title"`
	Body           float64  `json:"body"`
	Entities       float64  `json:"entities"`
	TimeGapSeconds *int64   `json:"time_gap_seconds"`
	TimeFactor     float64  `json:"time_factor"`
	SharedTerms    []string `json:"shared_terms"`
	SharedEntities []string `json:"shared_entities"`
	Corrected      bool     `json:"corrected"`
}

func matchOf(ev *stories.Evidence) *matchOut {
	if ev == nil {
		return nil
	}
	m := &matchOut{
		Started: ev.Started, Score: ev.Score, Threshold: ev.Threshold,
		Title: ev.Title, Body: ev.Body, Entities: ev.Entities, TimeFactor: ev.TimeFactor,
		SharedTerms: ev.SharedTerms, SharedEntities: ev.SharedEntities, Corrected: ev.Corrected,
	}
	if ev.TimeGap > 0 {
		s := int64(ev.TimeGap / time.Second)
		m.TimeGapSeconds = &s
	}
	for _, l := range []*[]string{&m.SharedTerms, &m.SharedEntities} {
		if *l == nil {
			*l = []string{}
		}
	}
	return m
}

// relatedOut is a related story.
type relatedOut struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Score float64 `json:"score"`
}

// moveOut answers a detach or an attach.
type moveOut struct {
	// Outcome is "detached", "attached" or "unchanged" (a repeated call).
	Outcome string `json:"outcome"`
	// StoryID is the story the article is in now; From the one the call named.
	StoryID   string `json:"story_id"`
	From      string `json:"from"`
	ArticleID string `json:"article_id"`
}

// detach handles POST /api/v1/stories/{id}/articles/{article_id}/detach.
func (a *api) detach(c *echo.Context) error {
	sid, aid := c.Param("id"), c.Param("article_id")
	moved, err := a.lookups.Detach(c.Request().Context(), sid, aid)
	if err != nil {
		return err
	}
	out := moveOut{Outcome: "detached", StoryID: moved.StoryID, From: sid, ArticleID: aid}
	if moved.Unchanged {
		out.Outcome = "unchanged"
	} else {
		a.metrics.detaches.Inc()
	}
	return c.JSON(http.StatusOK, out)
}

// attach handles POST /api/v1/stories/{id}/articles/{article_id}/attach: the
// article moves into story id (the undo of a detach).
func (a *api) attach(c *echo.Context) error {
	sid, aid := c.Param("id"), c.Param("article_id")
	moved, err := a.lookups.Attach(c.Request().Context(), sid, aid)
	if err != nil {
		return err
	}
	out := moveOut{Outcome: "attached", StoryID: moved.StoryID, From: sid, ArticleID: aid}
	if moved.Unchanged {
		out.Outcome = "unchanged"
	} else {
		a.metrics.attaches.Inc()
	}
	return c.JSON(http.StatusOK, out)
}

// correctionOut is one logged correction.
type correctionOut struct {
	StoryID    string    `json:"story_id"`
	StoryTitle string    `json:"story_title"`
	ArticleID  string    `json:"article_id"`
	URL        string    `json:"url"`
	Title      string    `json:"title"`
	NewStoryID string    `json:"new_story_id"`
	At         time.Time `json:"at"`
	Match      *matchOut `json:"match"`
}

// ndjson is the media type of JSON Lines.
const ndjson = "application/x-ndjson"

// listCorrections handles GET /api/v1/corrections?limit=N&format=json|jsonl: the
// newest corrections readers made, for operators tuning the matcher; as JSON
// Lines (one correction a line) with format=jsonl or Accept: application/x-ndjson.
func (a *api) listCorrections(c *echo.Context) error {
	limit, err := intParam(c, "limit", store.MaxCorrections, 1, store.MaxCorrections)
	if err != nil {
		return err
	}
	format := strings.ToLower(c.QueryParamOr("format", ""))
	if format == "" && acceptsNDJSON(c.Request().Header.Get("Accept")) {
		format = "jsonl"
	}
	if format != "" && format != "json" && format != "jsonl" {
		return errBadRequest("invalid_parameter", "format must be json or jsonl.")
	}
	list, err := a.store.Corrections(c.Request().Context(), limit)
	if err != nil {
		return err
	}
	out := make([]correctionOut, 0, len(list))
	for _, k := range list {
		out = append(out, correctionOut{
			StoryID: k.StoryID, StoryTitle: k.StoryTitle, ArticleID: k.ArticleID, URL: k.URL, Title: k.Title,
			NewStoryID: k.NewStoryID, At: k.At.UTC(), Match: matchOf(k.Match),
		})
	}
	if format != "jsonl" {
		return c.JSON(http.StatusOK, struct {
			Corrections []correctionOut `json:"corrections"`
		}{out})
	}
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, ndjson)
	w.Header().Set("Content-Disposition", `attachment; filename="parallax-corrections.jsonl"`)
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w) // one object and a newline per Encode
	for _, k := range out {
		if err := enc.Encode(k); err != nil {
			return fmt.Errorf("corrections: write: %w", err)
		}
	}
	return nil
}

// acceptsNDJSON reports whether an Accept header asks for JSON Lines.
func acceptsNDJSON(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && (mt == ndjson || mt == "application/jsonl") {
			return true
		}
	}
	return false
}
