// Package lookup is Parallax's read path and the one way articles enter the index.
// Lookup turns a URL (and, when the reader's browser sent it, the page's HTML) into
// the article, its outlet and the story it belongs to with the other outlets'
// coverage. Index matches an extracted article into a story; lookups, feed ingestion
// and the replay command all go through it, so every article is matched the same way.
package lookup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/parallax-news/parallax/internal/canon"
	"github.com/parallax-news/parallax/internal/extract"
	"github.com/parallax-news/parallax/internal/fetch"
	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
	"golang.org/x/sync/singleflight"
)

// Errors the server maps to statuses. Errors of canon, fetch, extract and store pass
// through wrapped, so errors.Is works on their sentinels too.
var (
	// ErrBusy means the article could not be placed after maxAttempts tries because
	// other writers kept changing the same stories.
	ErrBusy = errors.New("lookup: index busy")
	// ErrPageTooLarge means the posted HTML is over extract.MaxHTMLBytes.
	ErrPageTooLarge = errors.New("lookup: page too large")
	// ErrForeignPage means a posted page declares, as its own URL, a page of
	// another site than the URL it was posted for: whoever posted it could be
	// passing one site's text off as another's, so it is not indexed.
	ErrForeignPage = errors.New("lookup: posted page belongs to another site")
)

const (
	// maxAttempts bounds the optimistic retries of one add. Each conflict means some
	// other writer made progress, so twenty concurrent writers to one story finish
	// within twenty rounds.
	maxAttempts = 64
	// retryPause is the base of the jittered pause between attempts.
	retryPause = 2 * time.Millisecond
	// storyArticles bounds the coverage list returned with a story.
	storyArticles = 200
	// summaryCache is how many stories' summaries a server keeps computed: the
	// stories read most, at about 1 KB each.
	summaryCache = 1024
	// DefaultTimeout bounds one shared lookup run (fetch, extraction, matching) when
	// Options.Timeout is 0. The run is detached from the readers waiting on it, so
	// it needs a bound of its own.
	DefaultTimeout = time.Minute
)

// Outcome names what a lookup did, for metrics.
type Outcome string

// The lookup outcomes.
const (
	OutcomeIndexed Outcome = "indexed" // answered from the index
	OutcomePosted  Outcome = "posted"  // extracted from the posted HTML and matched
	OutcomeFetched Outcome = "fetched" // fetched, extracted and matched
	OutcomeError   Outcome = "error"   // failed (any reason)
)

// Options wires a Service.
type Options struct {
	Store   *store.Redis
	Fetcher *fetch.Client
	Outlets *outlets.Registry
	Matcher stories.Config
	Logger  *slog.Logger
	// Observe, when set, is told each lookup's outcome.
	Observe func(Outcome)
	// Timeout bounds one lookup run, which readers of the same URL share;
	// DefaultTimeout when 0. It should cover the fetch timeout plus matching.
	Timeout time.Duration
	// MaxWork is how many lookups may fetch, extract and match at once (4 per
	// core when 0); MaxQueue how many more may wait for one of those slots
	// (DefaultMaxQueue when 0, none when NoQueue), each for at most QueueWait
	// (DefaultQueueWait).
	// Beyond them a lookup fails with ErrOverloaded. Of the working lookups,
	// one less than the cores extract and match at a time. Lookups answered
	// from the index take no slot, but at most readsPerWork×MaxWork run at
	// once; beyond, ErrOverloaded at once.
	MaxWork   int
	MaxQueue  int
	QueueWait time.Duration
	// Shared says the server is shared (API tokens configured): posted pages
	// are then held as their poster's unverified posts (see posts.go), and
	// indexing an article settles the posts of its URL.
	Shared bool
	// ObservePost, when set, is told what became of each post (Post*).
	ObservePost func(string)
	// Merged, when set, is told of every merge of the second pass (see
	// mergeFragments): story from was folded into story into.
	Merged func(from, into string)
}

// Service answers lookups. It is safe for concurrent use.
type Service struct {
	store   *store.Redis
	fetcher *fetch.Client
	outlets *outlets.Registry
	matcher stories.Config
	log     *slog.Logger
	observe func(Outcome)
	timeout time.Duration
	// flights collapses concurrent lookups of one URL into one run: twenty readers
	// opening the same article at once cost one fetch.
	flights singleflight.Group
	// work bounds the runs that fetch, extract and match (see gate).
	work *gate
	// reads bounds the runs answering from the index (readsPerWork per work
	// slot), with no queue: they cost a millisecond or two each, but at twice
	// the rate the cores can serve, unbounded they pile up by the thousand and
	// every answer takes seconds (measured with parallax load: p50 4 s, p99
	// 12 s, 367 MiB at 240/s on two cores), while a bound sheds the excess at
	// once and keeps the rest fast.
	reads *gate
	// cpu bounds the runs extracting and matching, work that is all CPU, to
	// one less than the cores (at least one): work slots are four per core
	// because most of a fetch is waiting on the publisher, but eight posted
	// pages at once on two cores took every cycle, and answers from the index
	// waited behind them (p99 0.7 s at twice the sustained rate).
	cpu      *gate
	shared   bool
	observeP func(string)
	// verify queues posts for the server's own check (RunVerifier).
	verify chan verifyJob
	// summaries are the stories' summaries by version (see Summary).
	summaries *stories.Summaries
	onMerge   func(from, into string)
}

// New returns a Service.
func New(opts Options) *Service {
	s := &Service{
		store:    opts.Store,
		fetcher:  opts.Fetcher,
		outlets:  opts.Outlets,
		matcher:  opts.Matcher,
		log:      opts.Logger,
		observe:  opts.Observe,
		timeout:  opts.Timeout,
		shared:   opts.Shared,
		observeP: opts.ObservePost,
		verify:   make(chan verifyJob, verifyQueue),

		summaries: stories.NewSummaries(summaryCache),
		onMerge:   opts.Merged,
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	maxWork, maxQueue, wait := opts.MaxWork, opts.MaxQueue, opts.QueueWait
	if maxWork <= 0 {
		maxWork = 4 * runtime.GOMAXPROCS(0)
	}
	switch {
	case maxQueue == NoQueue:
		maxQueue = 0
	case maxQueue <= 0:
		maxQueue = DefaultMaxQueue
	}
	if wait <= 0 {
		wait = DefaultQueueWait
	}
	s.work = newGate(maxWork, maxQueue, wait)
	s.reads = newGate(readsPerWork*maxWork, 0, wait)
	s.cpu = newGate(max(1, runtime.GOMAXPROCS(0)-1), maxWork, wait)
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.observe == nil {
		s.observe = func(Outcome) {}
	}
	return s
}

// Request is one lookup.
type Request struct {
	URL  string // the page's URL as the reader's browser has it
	HTML []byte // the rendered page, optional; when given the server never fetches
	// Poster identifies the reader's API token on a shared server (see
	// Options.Shared): their posted pages are held unverified, and they see them.
	Poster string
}

// Result is a lookup's answer.
type Result struct {
	Article stories.Article
	Outlet  *outlets.Outlet // nil when the publisher is not in the registry
	Story   stories.Story
	Outcome Outcome
	// Unverified is set when the answer is the reader's own unverified post:
	// only they see Article, and Story does not count it.
	Unverified bool
}

// Lookup answers a request: from the index when the article is known, else by
// extracting the posted page (or fetching it when none was posted) and matching it.
// Concurrent lookups of one canonical URL share one run (one for posted pages, one
// for fetches: a posted page must not wait on, or be answered by, a fetch). The run
// is detached from every caller: a reader who closes the popup stops waiting, with
// ctx's error, but the others still get the answer.
func (s *Service) Lookup(ctx context.Context, req Request) (*Result, error) {
	canonical, err := canon.URL(req.URL)
	if err != nil {
		s.observe(OutcomeError)
		return nil, err
	}
	if len(req.HTML) > extract.MaxHTMLBytes {
		s.observe(OutcomeError)
		return nil, fmt.Errorf("%w: %d bytes (at most %d)", ErrPageTooLarge, len(req.HTML), extract.MaxHTMLBytes)
	}
	poster := ""
	if s.shared {
		poster = req.Poster
	}
	if poster != "" && req.HTML == nil {
		// Before the shared run: what one reader posted answers only them.
		res, err := s.fromPost(ctx, poster, canonical)
		if err == nil || !errors.Is(err, store.ErrNotFound) {
			if err != nil {
				s.observe(OutcomeError)
				return nil, err
			}
			s.observe(res.Outcome)
			return res, nil
		}
	}
	asked := poster == "" || req.HTML != nil
	if asked {
		// The run below asks the index first too; asked here, an indexed article
		// (most lookups: readers open what others read) costs no goroutine and no
		// flight, and, while the store's lookup cache holds it, no Redis work.
		// Lookups of a poster without a page ask their own posts first (above).
		res, err := s.indexed(ctx, canonical)
		if err == nil || !errors.Is(err, store.ErrNotFound) {
			if err != nil {
				s.observe(OutcomeError)
				return nil, err
			}
			s.observe(res.Outcome)
			return res, nil
		}
	}
	key := "fetch\x00" + canonical
	if req.HTML != nil {
		key = "posted\x00" + poster + "\x00" + canonical
	}
	detached := context.WithoutCancel(ctx)
	ch := s.flights.DoChan(key, func() (v any, err error) {
		// DoChan re-raises a panic of fn in a goroutine of its own, where nothing
		// recovers it and it would end the process: turn it into an error here.
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("lookup panicked", "panic", p, "stack", string(debug.Stack()))
				err = fmt.Errorf("lookup: panic: %v", p)
			}
		}()
		runCtx, cancel := context.WithTimeout(detached, s.timeout)
		defer cancel()
		return s.lookup(runCtx, canonical, req.HTML, poster, asked)
	})
	select {
	case <-ctx.Done():
		s.observe(OutcomeError)
		return nil, fmt.Errorf("lookup: stopped waiting: %w", ctx.Err())
	case r := <-ch:
		if r.Err != nil {
			s.observe(OutcomeError)
			return nil, r.Err
		}
		res := r.Val.(*Result)
		s.observe(res.Outcome)
		return res, nil
	}
}

// lookup is one shared run. asked says the index was asked for canonical just
// before: a posted page is then extracted at once (should another run have indexed
// it meanwhile, Index finds it and leaves it as it is), while a fetch asks again,
// since a publisher's page costs far more than a round trip.
func (s *Service) lookup(ctx context.Context, canonical string, html []byte, poster string, asked bool) (*Result, error) {
	if html == nil || !asked {
		if res, err := s.indexed(ctx, canonical); err == nil || !errors.Is(err, store.ErrNotFound) {
			return res, err
		}
	}
	queued := time.Now()
	release, err := s.work.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	outcome := OutcomePosted
	pageURL := canonical
	if html == nil {
		resp, err := s.fetcher.Page(ctx, canonical)
		if err != nil {
			return nil, fmt.Errorf("lookup: %w", err)
		}
		html, pageURL, outcome = resp.Body, resp.URL, OutcomeFetched
		queued = time.Now()
	}
	// Only lookups holding a work slot wait here, so at most maxWork; a
	// posted page waits for a core within the same QueueWait as for its slot.
	releaseCPU, err := s.cpu.enterBy(ctx, queued.Add(s.cpu.wait))
	if err != nil {
		return nil, err
	}
	defer releaseCPU()
	a, text, declared, err := s.extract(pageURL, html)
	if err != nil {
		return nil, err
	}
	a.Provenance = stories.ProvenancePublisher
	if outcome == OutcomePosted {
		if err := sameSite(canonical, declared); err != nil {
			return nil, err
		}
		a.Provenance = stories.ProvenanceReader
	}
	// The page may have named another canonical URL, which may be indexed already.
	// Either way the requested URL becomes an alias of the article, so that the
	// next lookup of it is answered from the index.
	final := a.URL
	if final != canonical {
		if res, err := s.fromIndex(ctx, final); err == nil || !errors.Is(err, store.ErrNotFound) {
			if err == nil {
				s.alias(ctx, canonical, final)
			}
			return res, err
		}
	}
	if outcome == OutcomePosted && poster != "" {
		return s.hold(ctx, poster, canonical, a, text)
	}
	sid, err := s.Index(ctx, a, text)
	if err != nil {
		return nil, err
	}
	s.alias(ctx, canonical, final)
	if outcome == OutcomeFetched && s.shared && canonical != final {
		s.settle(ctx, canonical, a.Title)
	}
	story, err := s.store.Story(ctx, sid, storyArticles)
	if err != nil {
		return nil, fmt.Errorf("lookup: %w", err)
	}
	// Read back the stored article: a concurrent writer may have indexed it first.
	stored := findArticle(story, final)
	if stored.URL == "" {
		stored = a
	}
	return &Result{Article: stored, Outlet: s.outlet(stored.OutletID), Story: story, Outcome: outcome}, nil
}

// alias records requested as another URL of the article at final. A failure costs
// only a later extraction of the same page, so it is logged, not returned.
func (s *Service) alias(ctx context.Context, requested, final string) {
	if requested == final {
		return
	}
	if err := s.store.AddAlias(ctx, requested, final); err != nil {
		s.log.Warn("recording an alias of an article failed", "err", err)
	}
}

// Extract turns a page's HTML, as served at pageURL, into the article the index
// keeps and its body text. The article's URL is the page's preferred canonical URL:
// the page may declare a different one (an AMP or syndicated copy pointing at the
// original), and when it does, that is the article's identity.
func (s *Service) Extract(pageURL string, html []byte) (stories.Article, string, error) {
	a, text, _, err := s.extract(pageURL, html)
	return a, text, err
}

// extract is Extract, also returning the URLs the page declares as its own
// (absolute; none when it declares none).
func (s *Service) extract(pageURL string, html []byte) (stories.Article, string, []string, error) {
	base, err := url.Parse(pageURL)
	if err != nil {
		return stories.Article{}, "", nil, fmt.Errorf("lookup: page URL: %w", err)
	}
	art, err := extract.Parse(html, base)
	if err != nil {
		return stories.Article{}, "", nil, fmt.Errorf("lookup: %w", err)
	}
	final, err := canon.Prefer(pageURL, art.CanonicalURL)
	if err != nil {
		return stories.Article{}, "", nil, fmt.Errorf("lookup: %w", err)
	}
	return s.Describe(final, art), art.Text, art.DeclaredURLs, nil
}

// sameSite checks that every URL a posted page declares as its own (its canonical
// link, og:url, the JSON-LD article's url) is on the registrable domain of the URL
// it was posted for. A publisher's own page never names another site as itself,
// except a syndicated copy, which is then indexed from the original publisher's
// URL rather than from a reader's word. A declared URL that is not a valid
// http(s) URL is a template bug (canon.Prefer ignores it too), not a claim.
func sameSite(requested string, declared []string) error {
	ru, err := url.Parse(requested)
	if err != nil {
		return nil
	}
	for _, d := range declared {
		c, err := canon.URL(d)
		if err != nil {
			continue
		}
		du, err := url.Parse(c)
		if err != nil || canon.Domain(du.Host) == canon.Domain(ru.Host) {
			continue
		}
		return fmt.Errorf("%w: posted for %s, declares %s", ErrForeignPage, canon.Domain(ru.Host), canon.Domain(du.Host))
	}
	return nil
}

// indexed is fromIndex behind the reads gate.
func (s *Service) indexed(ctx context.Context, canonical string) (*Result, error) {
	release, err := s.reads.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return s.fromIndex(ctx, canonical)
}

// fromIndex answers from the index; ErrNotFound when the article is not indexed,
// or only dangling: its story expired before it did, and it is indexed afresh.
// It reads the index only (never a reader's unverified post), in up to three
// round trips, or none (store.StoryByArticleURL).
func (s *Service) fromIndex(ctx context.Context, canonical string) (*Result, error) {
	a, story, err := s.store.StoryByArticleURL(ctx, canonical, storyArticles)
	if err != nil {
		return nil, fmt.Errorf("lookup: %w", err)
	}
	return &Result{Article: a, Outlet: s.outlet(a.OutletID), Story: story, Outcome: OutcomeIndexed}, nil
}

func findArticle(st stories.Story, u string) stories.Article {
	for _, a := range st.Articles {
		if a.URL == u {
			return a
		}
	}
	return stories.Article{}
}

func (s *Service) outlet(id string) *outlets.Outlet {
	if id == "" {
		return nil
	}
	o, ok := s.outlets.ByID(id)
	if !ok {
		return nil
	}
	return &o
}

// analyzeIn reads an article (title and text as analyze cleaned them) for
// matching and settles its language. A page that
// declares none, or one its text is not in, keeps the language it was read in;
// one too short to tell takes its outlet's, when the outlet publishes in one
// language only (the registry says). Every later reading of the article (a
// correction re-weighing it from its excerpt, the summary) then reads it alike.
func (s *Service) analyzeIn(a *stories.Article, title, text string) stories.Features {
	doc := stories.Doc{Title: title, Text: text, Lang: a.Lang, Published: a.Published}
	f := s.matcher.Analyze(doc)
	if s.matcher.EnglishOnly {
		return f
	}
	if f.Lang == "" && a.Lang == "" {
		if o := s.outlet(a.OutletID); o != nil && len(o.Languages) == 1 && o.Languages[0] != "en" {
			doc.Lang = o.Languages[0]
			f = s.matcher.Analyze(doc)
		}
	}
	if f.Lang != "" && f.Lang != stories.Language(stories.Doc{Lang: a.Lang}) {
		a.Lang = f.Lang
	}
	return f
}

// Describe turns an extracted page at a canonical URL into the article the index
// keeps: outlet and registrable domain resolved, excerpt bounded.
func (s *Service) Describe(canonicalURL string, art extract.Article) stories.Article {
	host := ""
	if u, err := url.Parse(canonicalURL); err == nil {
		host = u.Hostname()
	}
	a := stories.Article{
		URL:       canonicalURL,
		Title:     art.Title,
		Byline:    art.Byline,
		Excerpt:   art.Excerpt,
		Lang:      art.Lang,
		Published: art.Published,
		Domain:    canon.Domain(host),
	}
	a.OutletID = s.OutletID(host)
	return a
}

// original returns the URL of the article in story cent whose text p copies, or "".
// The story remembers its articles' fingerprints by store id; the URL is read only
// when a copy is found.
func (s *Service) original(ctx context.Context, p stories.Prepared, cent *stories.Centroid) string {
	aid, ok := s.matcher.Duplicate(p, cent)
	if !ok {
		return ""
	}
	a, _, err := s.store.ArticleByID(ctx, aid)
	if err != nil {
		// The original expired or Redis hiccuped: the copy is stored as original
		// rather than failing the whole add.
		s.log.Debug("duplicate's original unavailable", "err", err)
		return ""
	}
	return a.URL
}

// OutletID returns the registry id of the outlet publishing on host, or "".
func (s *Service) OutletID(host string) string {
	id, _ := s.outlets.LookupID(host)
	return id
}

// Story returns a stored story with its newest articles.
func (s *Service) Story(ctx context.Context, id string) (stories.Story, error) {
	st, err := s.store.Story(ctx, id, storyArticles)
	if err != nil {
		return stories.Story{}, fmt.Errorf("lookup: %w", err)
	}
	return st, nil
}

// Summary returns a story's summary bullets (see stories.Summarize), computed once
// per version of the story.
func (s *Service) Summary(st stories.Story) []stories.Bullet {
	return s.summaries.Of(st, s.Bias)
}

// Bias returns the registry's bias for an outlet id, for stories.BalanceOf.
func (s *Service) Bias(outletID string) outlets.Bias {
	return s.outlets.Bias(outletID)
}

// Facts returns the registry's bias, factuality and ownership of an outlet id, for
// the coverage functions of package stories (a stories.FactsFunc); ok is false
// when the registry does not know the id. It is asked at read time, so an
// operator's registry changes apply to stored stories.
func (s *Service) Facts(outletID string) (stories.OutletFacts, bool) {
	o, ok := s.outlets.ByID(outletID)
	if !ok {
		return stories.OutletFacts{}, false
	}
	return stories.OutletFacts{Bias: o.Bias, Factuality: o.Factuality, Ownership: o.Ownership}, true
}

// Index matches an article into a story and stores it; text is its body (it is not
// stored, only read for matching and for the few sentences the story's summary may
// quote). It returns the story id: after the merge pass (see mergeFragments), the
// story the article's was merged into. An article already in the index is left as
// it is and its story returned.
func (s *Service) Index(ctx context.Context, a stories.Article, text string) (string, error) {
	if a.Added.IsZero() {
		a.Added = time.Now().UTC()
	}
	f, err := s.analyze(ctx, &a, text, true)
	if err != nil {
		return "", fmt.Errorf("lookup: index: %w", err)
	}
	if a.Candidates == nil {
		a.Candidates = stories.Candidates(text, a.Lang)
	}
	docTerms := f.Keys()
	for attempt := range maxAttempts {
		if attempt > 0 {
			pause := retryPause * time.Duration(1+rand.IntN(1<<min(attempt, 5)))
			select {
			case <-ctx.Done():
				return "", fmt.Errorf("lookup: index: %w", ctx.Err())
			case <-time.After(pause):
			}
		}
		m, err := s.nearest(ctx, a, f, docTerms)
		if err != nil {
			return "", fmt.Errorf("lookup: index: %w", err)
		}
		if m.view.StoryID != "" {
			return m.view.StoryID, nil
		}
		p := m.prepared
		add := store.Add{Article: a, Seen: m.view.Seen, LookupTerms: m.lookupTerms, DocTerms: docTerms, SimHash: p.SimHash}
		cent := &stories.Centroid{}
		ev := s.matcher.StartedEvidence(m.score)
		if m.best >= 0 {
			cent = m.centroids[m.best]
			ev = s.matcher.Explain(p, cent, m.score)
			add.StoryID, add.Version = m.cands[m.best].ID, m.cands[m.best].Version
			add.Article.DuplicateOf = s.original(ctx, p, cent)
		}
		add.Article.Match = &ev
		s.matcher.Add(cent, p, store.ArticleID(a.URL), a.Title)
		add.Centroid = cent
		add.IndexTerms = s.matcher.IndexKeys(cent)
		added, err := s.store.AddArticle(ctx, add)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("lookup: index: %w", err)
		}
		if s.shared && a.Provenance != stories.ProvenanceReader {
			s.settle(ctx, a.URL, a.Title)
		}
		if added.Existed || s.matcher.MergeThreshold <= 0 {
			return added.StoryID, nil
		}
		// The add script bumped the version it checked (0 for a new story).
		return s.mergeFragments(ctx, added.StoryID, add.Version+1, cent, m.cands), nil
	}
	return "", fmt.Errorf("%w: gave up after %d attempts", ErrBusy, maxAttempts)
}

// analyze computes the features of an article for matching, without what its
// outlet's other articles showed to be boilerplate (Config.BoilerplateMin), in
// its language (see analyzeIn, which may set a.Lang); with
// learn it counts the article's own fragments too (once per article). The counts
// are per outlet, so an article of an outlet the registry does not know is
// counted under its registrable domain, and one with neither is not cleaned.
func (s *Service) analyze(ctx context.Context, a *stories.Article, text string, learn bool) (stories.Features, error) {
	title, raw := a.Title, text
	if least := s.matcher.BoilerplateMin; least > 0 {
		if source := fragmentSource(*a); source != "" {
			keys := stories.Fragments(title, text)
			counts, err := s.store.Fragments(ctx, source, a.URL, keys, learn)
			if err != nil {
				return stories.Features{}, err
			}
			known := make(map[string]bool, len(keys))
			for i, k := range keys {
				known[k] = counts[i] >= int64(least)
			}
			title, text = stories.StripBoilerplate(title, text, func(k string) bool { return known[k] })
		}
	}
	f := s.analyzeIn(a, title, text)
	if text != raw {
		f.SimHash = stories.Fingerprint(raw) // copies are whole texts (see Fingerprint)
	}
	return f, nil
}

// fragmentSource names whose boilerplate an article shares: its outlet, else its
// registrable domain; "" for neither ("unknown" is what a replayed line without a
// URL gets).
func fragmentSource(a stories.Article) string {
	switch {
	case a.OutletID != "":
		return a.OutletID
	case a.Domain != "" && a.Domain != "unknown":
		return "domain:" + a.Domain
	}
	return ""
}

// nearness is what the matcher reads and decides of an article before writing:
// its weighed terms, the view of the index, the candidate stories and the best
// of them (best -1 when none is close enough).
type nearness struct {
	prepared    stories.Prepared
	lookupTerms []string
	view        store.View
	cands       []store.Candidate
	centroids   []*stories.Centroid
	best        int
	score       float64
}

// nearest reads the index for an analysed article and finds the story it would
// join, writing nothing: the read half of Index, and all of what a held post
// needs (see place). When view.StoryID is set the article is indexed already
// and nothing else is filled in.
func (s *Service) nearest(ctx context.Context, a stories.Article, f stories.Features, docTerms []string) (nearness, error) {
	// The lookup terms depend on document frequencies the view returns; guessed
	// from the process's own counts they are nearly always the same, and their
	// posting lists then come with the view, a round trip saved. Only a known
	// publication time takes part in the time term: when Parallax first saw an
	// article says nothing about when the event happened.
	guess := s.store.GuessDocFreq(docTerms)
	m := nearness{best: -1}
	m.prepared = s.matcher.Prepare(f, guess.DocFreq, a.Published)
	m.lookupTerms = s.matcher.Keys(m.prepared)
	view, err := s.store.View(ctx, a.URL, guess, m.lookupTerms)
	if err != nil {
		return nearness{}, err
	}
	m.view = view
	if view.StoryID != "" {
		return m, nil
	}
	// The decision uses the view's counts: weighed again only when they differ.
	if !view.GuessHeld {
		m.prepared = s.matcher.Prepare(f, view.DocFreq, a.Published)
		m.lookupTerms = s.matcher.Keys(m.prepared)
	}
	m.cands, err = s.store.CandidatesFor(ctx, store.ArticleID(a.URL), m.lookupTerms, &m.view)
	if err != nil {
		return nearness{}, err
	}
	m.centroids = make([]*stories.Centroid, len(m.cands))
	for i := range m.cands {
		m.centroids[i] = &m.cands[i].Centroid
	}
	m.best, m.score = s.matcher.Match(m.prepared, m.centroids)
	return m, nil
}

// Load reports how many lookups are working and how many wait for a slot.
func (s *Service) Load() (working, waiting int) { return s.work.load() }
