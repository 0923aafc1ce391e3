package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/web"
)

// The HTML pages (internal/web renders them): today's stories, each story, the
// blindspots, each outlet and search. Handlers fetch, build the page model, and
// answer 304 when the reader's copy is current.

const (
	// homeTop is how many of the last day's best-covered stories the home page
	// leads with, from a scan of homeTopScan of the best covered overall.
	homeTop     = 10
	homeTopScan = 200
	// homePage is how many of the newest stories one page of the home page lists;
	// homeMaxPage bounds paging to the listing's depth.
	homePage    = 20
	homeMaxPage = store.MaxListingDepth / homePage
	// homeWindow is what "today" means on the home page.
	homeWindow = 24 * time.Hour
	// outletStories is how many of an outlet's recent stories its page lists,
	// found among the outletScan most recently updated stories (there is no
	// per-outlet index; a bounded scan of one listing read is cheap).
	outletStories = 20
	outletScan    = store.MaxListing
	// searchResults bounds a search's answer.
	searchResults = 50
	// maxQueryLen bounds the search query a page echoes back.
	maxQueryLen = 200
	// pageBlindspots is how many blindspot stories of each side the page lists.
	pageBlindspots = 30
	// sessionCookie carries an API token for the pages once given through /login:
	// HttpOnly so no script reads it, SameSite=Strict so no other site's page
	// sends it along, for pageSessionAge.
	sessionCookie  = "parallax_token"
	pageSessionAge = 30 * 24 * time.Hour
)

// pageSecurity is sent with every page: they run no script and load nothing but
// their own stylesheet, so the policy forbids everything else; no referrer leaks
// the story a reader opened to the outlets it links to.
var pageSecurity = map[string]string{
	"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "no-referrer",
}

// pages serves the HTML pages.
type pages struct {
	web     *web.Pages
	lookups *lookup.Service
	store   *store.Redis
	outlets *outlets.Registry
	tokens  *tokenSet
	metrics *metrics
}

// isPagePath reports whether a path is one of the HTML pages (or their assets),
// whose errors are answered in HTML.
func isPagePath(p string) bool {
	switch {
	case p == "/", p == "/blindspots", p == "/search", p == web.LoginPath:
		return true
	case strings.HasPrefix(p, "/stories/"), strings.HasPrefix(p, "/outlets/"), strings.HasPrefix(p, web.AssetsPrefix):
		return true
	}
	return false
}

// home handles GET /?page=N.
func (p *pages) home(c *echo.Context) error {
	page, err := intParam(c, "page", 1, 1, homeMaxPage)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var top []store.Summary
	if page == 1 {
		best, err := p.store.ListStories(ctx, store.ListOptions{By: store.ByCoverage, Limit: homeTopScan})
		if err != nil {
			return err
		}
		since := time.Now().Add(-homeWindow)
		for _, s := range best {
			if !s.Updated.Before(since) && len(top) < homeTop {
				top = append(top, s)
			}
		}
	}
	// One more than a page: whether a next page exists.
	newest, err := p.store.ListStories(ctx, store.ListOptions{By: store.ByRecent, Offset: (page - 1) * homePage, Limit: homePage + 1})
	if err != nil {
		return err
	}
	hasNext := len(newest) > homePage
	newest = newest[:min(len(newest), homePage)]
	return p.respond(c, listVersion(top, newest), func(w *bytes.Buffer) error {
		return p.web.RenderHome(w, web.NewHomePage(storyItems(top), storyItems(newest), page, hasNext, p.outlets))
	})
}

// story handles GET /stories/{id}.
func (p *pages) story(c *echo.Context) error {
	ctx := c.Request().Context()
	st, err := p.store.Story(ctx, c.Param("id"), store.MaxStoryArticles)
	if err != nil {
		return err
	}
	if st.ID != c.Param("id") {
		// The story was merged into another (see store.MergeStories): its page
		// is the survivor's, at the survivor's address.
		return c.Redirect(http.StatusMovedPermanently, "/stories/"+url.PathEscape(st.ID))
	}
	related, err := p.lookups.Related(ctx, st.ID)
	if err != nil {
		return err
	}
	// The related stories change without this story changing: they are part of
	// the version the ETag stands for.
	version := strconv.FormatInt(st.Version, 10)
	for _, r := range related {
		version += " " + r.ID
	}
	opts := web.StoryOptions{ArticleID: store.ArticleID, Related: related}
	if moved, to := c.QueryParam("moved"), c.QueryParam("to"); moved != "" && to != "" {
		opts.MovedArticle, opts.MovedTo = moved, to
	}
	return p.respond(c, version, func(w *bytes.Buffer) error {
		page := web.NewStoryPageWith(st, p.outlets, opts)
		page.Summary = web.SummaryOf(p.lookups.Summary(st), p.outlets)
		return p.web.RenderStory(w, page)
	})
}

// detach handles POST /stories/{id}/articles/{article_id}/detach: the story page's
// "Not this story" button, a plain form (the pages run no script), answered with
// the story page again, which confirms and offers the undo.
func (p *pages) detach(c *echo.Context) error {
	sid, aid := c.Param("id"), c.Param("article_id")
	moved, err := p.lookups.Detach(c.Request().Context(), sid, aid)
	if err != nil {
		return err
	}
	if !moved.Unchanged {
		p.metrics.detaches.Inc()
	}
	q := url.Values{"moved": {aid}, "to": {moved.StoryID}}
	return c.Redirect(http.StatusSeeOther, "/stories/"+url.PathEscape(sid)+"?"+q.Encode())
}

// attach handles POST /stories/{id}/articles/{article_id}/attach: the undo
// button of the page detach answers with.
func (p *pages) attach(c *echo.Context) error {
	sid, aid := c.Param("id"), c.Param("article_id")
	moved, err := p.lookups.Attach(c.Request().Context(), sid, aid)
	if err != nil {
		return err
	}
	if !moved.Unchanged {
		p.metrics.attaches.Inc()
	}
	return c.Redirect(http.StatusSeeOther, "/stories/"+url.PathEscape(sid))
}

// blindspots handles GET /blindspots.
func (p *pages) blindspots(c *echo.Context) error {
	b, err := p.lookups.Blindspots(c.Request().Context(), pageBlindspots)
	if err != nil {
		return err
	}
	all := append(slices.Clone(b.Left), b.Right...)
	return p.respond(c, listVersion(b.Left, b.Right), func(w *bytes.Buffer) error {
		return p.web.RenderBlindspots(w, web.NewBlindspotsPage(storyItems(all), p.outlets))
	})
}

// outlet handles GET /outlets/{id}.
func (p *pages) outlet(c *echo.Context) error {
	o, ok := p.outlets.ByID(c.Param("id"))
	if !ok {
		return fmt.Errorf("outlet %q: %w", c.Param("id"), store.ErrNotFound)
	}
	recent, err := p.store.ListStories(c.Request().Context(), store.ListOptions{By: store.ByRecent, Limit: outletScan})
	if err != nil {
		return err
	}
	var theirs []store.Summary
	for _, s := range recent {
		if slices.Contains(s.Sources, o.ID) && len(theirs) < outletStories {
			theirs = append(theirs, s)
		}
	}
	return p.respond(c, listVersion(theirs), func(w *bytes.Buffer) error {
		return p.web.RenderOutlet(w, web.NewOutletPage(o, storyItems(theirs), p.outlets))
	})
}

// search handles GET /search?q=.
func (p *pages) search(c *echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	if len(q) > maxQueryLen {
		return errBadRequest("invalid_parameter", fmt.Sprintf("The search is longer than %d characters.", maxQueryLen))
	}
	var found []store.Summary
	if q != "" {
		var err error
		if found, err = p.store.SearchStories(c.Request().Context(), q, searchResults); err != nil {
			return err
		}
	}
	return p.respond(c, listVersion(found), func(w *bytes.Buffer) error {
		return p.web.RenderSearch(w, web.NewSearchPage(q, storyItems(found), p.outlets))
	})
}

// login handles POST /login: a token given once is kept in a cookie for the
// pages, then the reader goes back where they were.
func (p *pages) login(c *echo.Context) error {
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, maxLoginBytes)
	if err := r.ParseForm(); err != nil {
		return errBadRequest("invalid_request", "The sign-in form could not be read.")
	}
	next := r.PostForm.Get("next")
	if !localPath(next) {
		next = "/"
	}
	token := strings.TrimSpace(r.PostForm.Get("token"))
	if !p.tokens.valid(token) {
		return p.errorPage(c, http.StatusUnauthorized, next)
	}
	http.SetCookie(c.Response(), &http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     "/",
		MaxAge:   int(pageSessionAge.Seconds()),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
	return c.Redirect(http.StatusSeeOther, next)
}

// maxLoginBytes bounds the sign-in form: a token and a path.
const maxLoginBytes = 8 << 10

// localPath reports whether next is a path on this site, safe to redirect to.
func localPath(next string) bool {
	return strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, "/\\") && len(next) <= 2048
}

// respond answers a page: 304 when the reader's copy has the ETag of version,
// else the page render writes. Pages vary by the cookie only in whether they are
// served at all, so they are cacheable by the reader's browser, not by shared
// caches (private).
func (p *pages) respond(c *echo.Context, version string, render func(*bytes.Buffer) error) error {
	h := c.Response().Header()
	for k, v := range pageSecurity {
		h.Set(k, v)
	}
	etag := p.web.ETag(c.Request().URL.RequestURI(), version)
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, no-cache")
	if etagMatch(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return fmt.Errorf("render page: %w", err)
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// etagMatch implements If-None-Match (RFC 9110 §13.1.2): a list of tags or "*",
// compared weakly.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == want {
			return true
		}
	}
	return false
}

// errorPage answers an error in HTML, in the site's layout.
func (p *pages) errorPage(c *echo.Context, status int, next string) error {
	h := c.Response().Header()
	for k, v := range pageSecurity {
		h.Set(k, v)
	}
	var buf bytes.Buffer
	if err := p.web.RenderError(&buf, web.NewErrorPage(status, next)); err != nil {
		return fmt.Errorf("render error page: %w", err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// listVersion identifies the content of story listings for an ETag: their stories
// and how far each has got.
func listVersion(lists ...[]store.Summary) string {
	h := sha256.New()
	for _, l := range lists {
		for _, s := range l {
			fmt.Fprintf(h, "%s/%d/%d;", s.ID, s.Version, s.ArticleCount)
		}
		h.Write([]byte{'|'})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// storyItems turns listing summaries into the pages' list items.
func storyItems(in []store.Summary) []web.StoryItem {
	out := make([]web.StoryItem, len(in))
	for i, s := range in {
		out[i] = web.StoryItem{ID: s.ID, Title: s.Title, FirstPublished: s.FirstPublished, Updated: s.Updated,
			ArticleCount: s.ArticleCount, Sources: s.Sources}
	}
	return out
}

// pageError renders err as an HTML page when it happened on a page route: the
// same mapping to a status as the API's, in the site's layout. ok is false when
// the error page itself could not be written (the caller falls back to JSON).
func (p *pages) pageError(c *echo.Context, ae *apiError) bool {
	status := ae.Status
	if status == statusClientClosed {
		return true // nobody is reading
	}
	next := ""
	if status == http.StatusUnauthorized {
		next = c.Request().URL.RequestURI()
	}
	if err := p.errorPage(c, status, next); err != nil && !errors.Is(err, context.Canceled) {
		return false
	}
	return true
}
