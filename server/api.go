package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v5"
	"github.com/parallax-news/parallax/internal/ingest"
	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
	"golang.org/x/net/html/charset"
)

// maxBodyBytes bounds a request body: a lookup may carry the whole rendered page,
// which extraction caps at 5 MiB.
const maxBodyBytes = 5 << 20

// api holds what the handlers need.
type api struct {
	lookups *lookup.Service
	outlets *outlets.Registry
	ingest  *ingest.Ingester
	store   *store.Redis
	tokens  *tokenSet
	metrics *metrics
	// answers keeps encoded answers of indexed lookups (answers.go); nil keeps none.
	answers *answerCache
}

type lookupRequest struct {
	URL  string  `json:"url"`
	HTML *string `json:"html"`
}

// lookupExample is how a lookup body looks, for the messages about one that does
// not.
const lookupExample = `{"url": "https://..."}`

// postLookup handles POST /api/v1/lookup: a JSON body {"url", "html"}, or the
// page itself as a text/html body with the URL in the query.
func (a *api) postLookup(c *echo.Context) error {
	req := c.Request()
	if pageType(req.Header.Get("Content-Type")) {
		r, err := pageLookup(c.QueryParam("url"), req)
		if err != nil {
			return err
		}
		return a.lookup(c, r)
	}
	r, err := decodeLookupBody(req.Body)
	if err != nil {
		return err
	}
	return a.lookup(c, r)
}

// pageType reports whether a lookup body is the page itself (text/html) rather
// than JSON. A page in a JSON string costs the server its decoding, a copy and a
// scan for escapes (measured: 21% of a posted lookup's CPU, more than readability
// itself); a raw body is read as it comes. text/html is not a CORS-safelisted
// type, so a web page cannot send it cross-site without a preflight either (see
// crosssite.go).
func pageType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "text/html"
}

// pageLookup reads a text/html lookup: the URL from the query, the page from the
// body (bounded by the body limit, whose error passes through for a 413). A body
// that declares a charset other than UTF-8 and is not UTF-8 is decoded from it;
// without one, extraction reads the page's own declaration.
func pageLookup(rawURL string, req *http.Request) (lookup.Request, error) {
	r, err := lookupRequestOf(rawURL)
	if err != nil {
		return lookup.Request{}, err
	}
	var buf bytes.Buffer
	if n := req.ContentLength; n > 0 && n <= maxBodyBytes {
		buf.Grow(int(n) + bytes.MinRead) // one allocation for the whole page
	}
	if _, err := buf.ReadFrom(req.Body); err != nil {
		if echo.StatusCode(err) != 0 {
			return lookup.Request{}, err
		}
		return lookup.Request{}, errBadRequest("invalid_request", "The body could not be read.")
	}
	if buf.Len() == 0 {
		return lookup.Request{}, errBadRequest("invalid_request", "The text/html body is empty: send the page, or the URL alone as "+lookupExample+".")
	}
	r.HTML = buf.Bytes()
	if _, params, err := mime.ParseMediaType(req.Header.Get("Content-Type")); err == nil && params["charset"] != "" && !utf8.Valid(r.HTML) {
		if enc, name := charset.Lookup(params["charset"]); enc != nil && name != "utf-8" {
			if decoded, err := enc.NewDecoder().Bytes(r.HTML); err == nil {
				r.HTML = decoded
			}
		}
	}
	return r, nil
}

// getLookup handles GET /api/v1/lookup?url=.
func (a *api) getLookup(c *echo.Context) error {
	r, err := lookupRequestOf(c.QueryParam("url"))
	if err != nil {
		return err
	}
	return a.lookup(c, r)
}

// decodeLookupBody reads and checks the body of POST /api/v1/lookup: one JSON
// object with "url" (required) and "html" (optional), and nothing after it. Its
// errors are 400s worded for the client, never with Go's type names, except the
// body limit's own error, passed through for the error handler to answer 413.
func decodeLookupBody(body io.Reader) (lookup.Request, error) {
	var req lookupRequest
	dec := json.NewDecoder(body)
	err := dec.Decode(&req)
	if err == nil {
		// A second value, or anything but white space, after the object is a
		// client's bug: say so rather than answer for half of what was sent.
		if _, terr := dec.Token(); terr != io.EOF {
			if echo.StatusCode(terr) != 0 {
				return lookup.Request{}, terr
			}
			return lookup.Request{}, errBadRequest("invalid_request", "The body must hold one JSON object like "+lookupExample+" and nothing after it.")
		}
	}
	if err != nil {
		return lookup.Request{}, lookupBodyError(err)
	}
	r, err := lookupRequestOf(req.URL)
	if err != nil {
		return lookup.Request{}, err
	}
	if req.HTML != nil {
		r.HTML = []byte(*req.HTML)
	}
	return r, nil
}

// lookupBodyError turns an error from decoding a lookup body into the answer.
func lookupBodyError(err error) error {
	if echo.StatusCode(err) != 0 {
		// The body limit tripped while reading (a chunked body has no
		// Content-Length for middleware.BodyLimit to refuse up front): the error
		// handler answers 413 body_too_large.
		return err
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errBadRequest("invalid_request", "The body must be a JSON object like "+lookupExample+".")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errBadRequest("invalid_request", "The body is not valid JSON: it ends before the object is closed.")
	case errors.As(err, &syntax):
		return errBadRequest("invalid_request", fmt.Sprintf("The body is not valid JSON: %s at byte %d.", syntax.Error(), syntax.Offset))
	case errors.As(err, &typ) && typ.Field != "":
		return errBadRequest("invalid_request", fmt.Sprintf("The field %q must be a string.", typ.Field))
	case errors.As(err, &typ):
		return errBadRequest("invalid_request", "The body must be a JSON object like "+lookupExample+".")
	}
	return errBadRequest("invalid_request", "The body could not be read.")
}

// lookupRequestOf checks the URL a lookup names, from the query or the body.
func lookupRequestOf(rawURL string) (lookup.Request, error) {
	r := lookup.Request{URL: strings.TrimSpace(rawURL)}
	if r.URL == "" {
		return lookup.Request{}, errBadRequest("missing_url", "Give the article's URL in the url field.")
	}
	return r, nil
}

// lookup answers a checked lookup request.
func (a *api) lookup(c *echo.Context, r lookup.Request) error {
	if a.tokens.required() {
		// tokenAuth has checked it: the reader's token names who posted a page.
		tok, _ := bearerToken(c.Request().Header.Get("Authorization"))
		r.Poster = tokenID(tok)
	}
	res, err := a.lookups.Lookup(c.Request().Context(), r)
	if err != nil {
		return err
	}
	keep := a.answers != nil && cacheable(res)
	if keep {
		if body, ok := a.answers.get(r.URL, res); ok {
			return c.JSONBlob(http.StatusOK, body)
		}
	}
	out := lookupResponse{
		Article: articleOut{
			URL:          r.URL,
			CanonicalURL: res.Article.URL,
			Title:        res.Article.Title,
			Byline:       res.Article.Byline,
			Published:    timeOrNil(res.Article.Published),
			Lang:         res.Article.Lang,
			Excerpt:      res.Article.Excerpt,
			DuplicateOf:  nilIfEmpty(res.Article.DuplicateOf),
			Provenance:   nilIfEmpty(res.Article.Provenance),
			Verified:     !res.Unverified,
		},
		Outlet: outletOf(res.Outlet),
		Story:  a.storyOut(res.Story),
	}
	if !keep {
		return c.JSON(http.StatusOK, out)
	}
	body, err := encodeAnswer(out)
	if err != nil {
		return err
	}
	a.answers.put(r.URL, res, body)
	return c.JSONBlob(http.StatusOK, body)
}

// getStory handles GET /api/v1/stories/{id}.
func (a *api) getStory(c *echo.Context) error {
	ctx := c.Request().Context()
	st, err := a.lookups.Story(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	out := a.storyOut(st)
	related, err := a.lookups.Related(ctx, st.ID)
	if err != nil {
		return err
	}
	rel := make([]relatedOut, 0, len(related))
	for _, r := range related {
		rel = append(rel, relatedOut(r))
	}
	out.Related = &rel
	return c.JSON(http.StatusOK, out)
}

type lookupResponse struct {
	Article articleOut `json:"article"`
	Outlet  *outletOut `json:"outlet"`
	Story   storyOut   `json:"story"`
}

type articleOut struct {
	URL          string     `json:"url"`
	CanonicalURL string     `json:"canonical_url"`
	Title        string     `json:"title"`
	Byline       string     `json:"byline"`
	Published    *time.Time `json:"published"`
	Lang         string     `json:"lang"`
	Excerpt      string     `json:"excerpt"`
	DuplicateOf  *string    `json:"duplicate_of"`
	// Provenance is where the text came from: publisher, feed, reader or import
	// (null for articles indexed before Parallax recorded it).
	Provenance *string `json:"provenance"`
	// Verified is false when the article is the reader's own unverified post on
	// a shared server: only they see it, and the story does not count it.
	Verified bool `json:"verified"`
}

// outletOut is the outlet of the article being read: everything the registry knows.
type outletOut struct {
	ID         string           `json:"id"`
	Name       string           `json:"name"`
	Domain     string           `json:"domain"`
	Domains    []string         `json:"domains"`
	Homepage   string           `json:"homepage"`
	Languages  []string         `json:"languages"`
	Feeds      []string         `json:"feeds"`
	Bias       *string          `json:"bias"`
	Factuality *string          `json:"factuality"`
	Country    string           `json:"country"`
	Owner      string           `json:"owner"`
	Ownership  *string          `json:"ownership"`
	Paywall    *string          `json:"paywall"`
	Ratings    []outlets.Rating `json:"ratings"`
}

// outletBrief is an outlet in a coverage list: what the popup shows per entry.
type outletBrief struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	Bias       *string `json:"bias"`
	Factuality *string `json:"factuality"`
	Ownership  *string `json:"ownership"`
}

// The API's story shapes: storySummary in listings, storyOut for one story (the
// lookup answer's and GET /api/v1/stories/{id}). summaryOf and storyOut are the
// one place they are built, for the JSON API and for anything else that shows a
// story.

// storySummary is a story without its articles: counts, balance and the coverage
// figures a listing can compute from the outlets the store records for it.
type storySummary struct {
	ID             string             `json:"id"`
	Title          string             `json:"title"`
	FirstSeen      time.Time          `json:"first_seen"`
	FirstPublished *time.Time         `json:"first_published"`
	Updated        time.Time          `json:"updated"`
	ArticleCount   int                `json:"article_count"`
	OutletCount    int                `json:"outlet_count"`
	Balance        stories.Balance    `json:"balance"`
	BalanceNote    string             `json:"balance_note"`
	Blindspot      *stories.Blindspot `json:"blindspot"`
	Factuality     []stories.Count    `json:"factuality"`
	Ownership      []stories.Count    `json:"ownership"`
}

// storyOut is a story with its coverage: the listing's summary, the count of
// outlets with text of their own, who reported it when, the summary bullets and the
// articles.
type storyOut struct {
	storySummary
	IndependentOutlets int            `json:"independent_outlets"`
	Timeline           timelineOut    `json:"timeline"`
	Summary            []bulletOut    `json:"summary"`
	Articles           []storyArticle `json:"articles"`
	// Related are other stories close to this one (GET /api/v1/stories/{id} only).
	Related *[]relatedOut `json:"related,omitempty"`
}

// bulletOut is a stories.Bullet with its outlet as the articles list gives it.
type bulletOut struct {
	Text   string       `json:"text"`
	URL    string       `json:"url"`
	Outlet *outletBrief `json:"outlet"`
	Domain string       `json:"domain"`
	Side   outlets.Side `json:"side"`
}

type storyArticle struct {
	URL         string       `json:"url"`
	Title       string       `json:"title"`
	Published   *time.Time   `json:"published"`
	Domain      string       `json:"domain"`
	Excerpt     string       `json:"excerpt"`
	Outlet      *outletBrief `json:"outlet"`
	DuplicateOf *string      `json:"duplicate_of"`
	Provenance  *string      `json:"provenance"`
	// ArticleID names the article in the detach and attach routes.
	ArticleID string `json:"article_id"`
	// Match is why the article is in the story; null for one indexed before
	// Parallax kept it.
	Match *matchOut `json:"match"`
}

// timelineOut is stories.Timeline with its bucket width in seconds and every side
// named in first (null for a side that has not covered the story).
type timelineOut struct {
	BucketSeconds int64 `json:"bucket_seconds"`
	First         struct {
		Left    *time.Time `json:"left"`
		Center  *time.Time `json:"center"`
		Right   *time.Time `json:"right"`
		Unrated *time.Time `json:"unrated"`
	} `json:"first"`
	Buckets []stories.TimelineBucket `json:"buckets"`
}

// summaryOf shapes a listed story.
func (a *api) summaryOf(s store.Summary) storySummary {
	balance := stories.BalanceOfSources(s.Sources, a.lookups.Bias)
	return storySummary{
		ID:             s.ID,
		Title:          s.Title,
		FirstSeen:      s.FirstSeen,
		FirstPublished: timeOrNil(s.FirstPublished),
		Updated:        s.Updated,
		ArticleCount:   s.ArticleCount,
		OutletCount:    len(s.Sources),
		Balance:        balance,
		BalanceNote:    stories.BalanceSentence(balance),
		Blindspot:      stories.BlindspotOf(s.Sources, a.lookups.Facts),
		Factuality:     stories.FactualityOf(s.Sources, a.lookups.Facts),
		Ownership:      stories.OwnershipOf(s.Sources, a.lookups.Facts),
	}
}

// summariesOf shapes a listing; never null in JSON.
func (a *api) summariesOf(list []store.Summary) []storySummary {
	out := make([]storySummary, 0, len(list))
	for _, s := range list {
		out = append(out, a.summaryOf(s))
	}
	return out
}

// storyOut shapes a story read with its articles. Its coverage figures count the
// outlets of the articles read (the newest, see lookup), as its articles list does.
func (a *api) storyOut(st stories.Story) storyOut {
	out := storyOut{
		storySummary: a.summaryOf(store.Summary{
			ID: st.ID, Title: st.Title, Version: st.Version, FirstSeen: st.FirstSeen, FirstPublished: st.FirstPublished,
			Updated: st.Updated, ArticleCount: st.ArticleCount, Sources: stories.Sources(st.Articles),
		}),
		IndependentOutlets: stories.IndependentOutlets(st.Articles),
		Timeline:           timelineOf(stories.TimelineOf(st.Articles, a.lookups.Facts)),
		Summary:            []bulletOut{},
		Articles:           make([]storyArticle, 0, len(st.Articles)),
	}
	for _, b := range a.lookups.Summary(st) {
		out.Summary = append(out.Summary, bulletOut{Text: b.Text, URL: b.ArticleURL, Outlet: a.brief(b.OutletID), Domain: b.Domain, Side: b.Side})
	}
	for _, art := range st.Articles {
		out.Articles = append(out.Articles, storyArticle{
			URL:         art.URL,
			Title:       art.Title,
			Published:   timeOrNil(art.Published),
			Domain:      art.Domain,
			Excerpt:     art.Excerpt,
			Outlet:      a.brief(art.OutletID),
			DuplicateOf: nilIfEmpty(art.DuplicateOf),
			Provenance:  nilIfEmpty(art.Provenance),
			ArticleID:   store.ArticleID(art.URL),
			Match:       matchOf(art.Match),
		})
	}
	return out
}

// brief is an outlet as a coverage list shows it; nil when the registry does not
// know the id.
func (a *api) brief(outletID string) *outletBrief {
	reg, ok := a.outlets.ByID(outletID)
	if !ok || outletID == "" {
		return nil
	}
	return &outletBrief{
		ID: reg.ID, Name: reg.Name, Bias: nilIfEmpty(string(reg.Bias)),
		Factuality: nilIfEmpty(string(reg.Factuality)), Ownership: nilIfEmpty(string(reg.Ownership)),
	}
}

func timelineOf(t stories.Timeline) timelineOut {
	out := timelineOut{BucketSeconds: int64(t.Bucket / time.Second), Buckets: t.Buckets}
	first := func(side outlets.Side) *time.Time {
		if v, ok := t.First[side]; ok {
			return timeOrNil(v)
		}
		return nil
	}
	out.First.Left, out.First.Center = first(outlets.SideLeft), first(outlets.SideCenter)
	out.First.Right, out.First.Unrated = first(outlets.SideRight), first(outlets.SideUnrated)
	if out.Buckets == nil {
		out.Buckets = []stories.TimelineBucket{}
	}
	return out
}

// outletOf renders the outlet of the article being read.
func outletOf(o *outlets.Outlet) *outletOut {
	if o == nil {
		return nil
	}
	out := &outletOut{
		ID:         o.ID,
		Name:       o.Name,
		Bias:       nilIfEmpty(string(o.Bias)),
		Factuality: nilIfEmpty(string(o.Factuality)),
		Country:    o.Country,
		Owner:      o.Owner,
		Ownership:  nilIfEmpty(string(o.Ownership)),
		Paywall:    nilIfEmpty(string(o.Paywall)),
		Ratings:    o.Ratings,
		Domains:    o.Domains,
		Homepage:   o.Homepage,
		Languages:  o.Languages,
		Feeds:      o.Feeds,
	}
	for _, l := range []*[]string{&out.Domains, &out.Languages, &out.Feeds} {
		if *l == nil {
			*l = []string{}
		}
	}
	if len(o.Domains) > 0 {
		out.Domain = o.Domains[0]
	}
	if out.Ratings == nil {
		out.Ratings = []outlets.Rating{}
	}
	return out
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
