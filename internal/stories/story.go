// Package stories holds Parallax's story model and the pure logic on it: which
// articles cover the same event (matching), how the coverage of a story splits
// between left, center and right (balance), and which article is a copy of another
// (near-duplicates). Nothing here does I/O; the store keeps the state and the lookup
// package drives the steps.
package stories

import (
	"strings"
	"time"

	"github.com/parallax-news/parallax/internal/outlets"
)

// Article is one news article as the index keeps it. Its identity is its canonical URL.
type Article struct {
	URL         string    `json:"url"`
	Title       string    `json:"title"`
	Byline      string    `json:"byline,omitempty"`
	Excerpt     string    `json:"excerpt,omitempty"`
	Lang        string    `json:"lang,omitempty"`
	Published   time.Time `json:"published,omitzero"`
	Added       time.Time `json:"added"`
	OutletID    string    `json:"outlet_id,omitempty"`
	Domain      string    `json:"domain"`                 // registrable domain; identifies unknown outlets
	DuplicateOf string    `json:"duplicate_of,omitempty"` // URL of the article this one copies
	Partial     bool      `json:"partial,omitempty"`      // only the feed's title and summary were available
	// Provenance says where the text the article was matched on came from: one of
	// the Provenance constants ("" for articles indexed before Parallax kept it).
	Provenance string `json:"provenance,omitempty"`
	// Candidates are the few sentences of its text a summary may quote (see
	// Candidates); the text itself is not kept.
	Candidates []Candidate `json:"candidates,omitempty"`
	// Match is why the article is in its story (nil for articles indexed before
	// Parallax kept it).
	Match *Evidence `json:"match,omitempty"`
}

// Where an article's text came from. A publisher's page or its feed is the
// outlet's own word; a page a reader's browser posted is the reader's word about
// what the outlet published, which a shared server does not take on trust.
const (
	ProvenancePublisher = "publisher" // the server fetched the publisher's page
	ProvenanceFeed      = "feed"      // the outlet's feed: its title and summary only
	ProvenanceReader    = "reader"    // a page a reader's browser posted
	ProvenanceImport    = "import"    // an operator's batch import (the cluster command)
)

// Source identifies the publisher of a for counting outlets: the registry id when the
// outlet is known, else the registrable domain, so that two unknown sites count as
// two outlets and one unknown site with ten articles counts once.
func (a Article) Source() string {
	if a.OutletID != "" {
		return a.OutletID
	}
	return "domain:" + a.Domain
}

// When is the time the article is best placed at: its publication time when known,
// else when Parallax first saw it.
func (a Article) When() time.Time {
	if !a.Published.IsZero() {
		return a.Published
	}
	return a.Added
}

// Story is a set of articles about one event.
type Story struct {
	ID    string
	Title string // the headline nearest the story's centroid
	// Version counts the story's adds: it changes whenever the story does, so a
	// reader can tell that what it showed is out of date.
	Version   int64
	FirstSeen time.Time // when Parallax first indexed an article of it
	// FirstPublished is the earliest publication time of its articles (see
	// FirstPublished): when it was first reported. Zero when none is dated.
	FirstPublished time.Time
	Updated        time.Time
	ArticleCount   int       // every article in the story, even when Articles is cut short
	Articles       []Article // newest first
}

// Balance is how a story's coverage splits across the left–right scale. Each outlet
// counts once, however many articles it published on the story.
type Balance struct {
	Left    int `json:"left"`
	Center  int `json:"center"`
	Right   int `json:"right"`
	Unrated int `json:"unrated"`
	Rated   int `json:"rated"`
	// Percentages of the rated outlets. They are whole numbers that add up to 100
	// (largest-remainder rounding) so that the bar the reader sees has no gap; all
	// zero when no outlet is rated.
	LeftPct   int `json:"left_pct"`
	CenterPct int `json:"center_pct"`
	RightPct  int `json:"right_pct"`
}

// BiasFunc tells the bias of an outlet id ("" when unknown or unrated). Balance asks
// it at read time so that an operator's registry changes apply to stored stories.
type BiasFunc func(outletID string) outlets.Bias

// BalanceOf counts the outlets of articles by side.
func BalanceOf(articles []Article, bias BiasFunc) Balance {
	sources := make([]string, len(articles))
	for i, a := range articles {
		sources[i] = a.Source()
	}
	return BalanceOfSources(sources, bias)
}

// BalanceOfSources counts outlets by side from their sources (see Article.Source):
// registry ids, and "domain:<d>" for outlets the registry does not know.
func BalanceOfSources(sources []string, bias BiasFunc) Balance {
	var b Balance
	seen := make(map[string]bool, len(sources))
	for _, src := range sources {
		if seen[src] {
			continue
		}
		seen[src] = true
		side := outlets.SideUnrated
		if !strings.HasPrefix(src, "domain:") {
			side = bias(src).Side()
		}
		switch side {
		case outlets.SideLeft:
			b.Left++
		case outlets.SideCenter:
			b.Center++
		case outlets.SideRight:
			b.Right++
		default:
			b.Unrated++
		}
	}
	b.Rated = b.Left + b.Center + b.Right
	pcts := percentages(b.Rated, b.Left, b.Center, b.Right)
	b.LeftPct, b.CenterPct, b.RightPct = pcts[0], pcts[1], pcts[2]
	return b
}

// OutletCount returns how many different outlets published articles.
func OutletCount(articles []Article) int {
	seen := make(map[string]bool, len(articles))
	for _, a := range articles {
		seen[a.Source()] = true
	}
	return len(seen)
}

// IndependentOutlets returns how many different outlets published original text,
// that is at least one article that is not a copy of another.
func IndependentOutlets(articles []Article) int {
	seen := make(map[string]bool, len(articles))
	for _, a := range articles {
		if a.DuplicateOf == "" {
			seen[a.Source()] = true
		}
	}
	return len(seen)
}

// percentages splits 100 among counts in proportion, by the largest-remainder method
// (ties go to the earlier count), so the parts always sum to 100 when total > 0.
func percentages(total int, counts ...int) []int {
	out := make([]int, len(counts))
	if total <= 0 {
		return out
	}
	rem := make([]int, len(counts))
	sum := 0
	for i, c := range counts {
		out[i] = c * 100 / total
		rem[i] = c * 100 % total
		sum += out[i]
	}
	for ; sum < 100; sum++ {
		best := 0
		for i := range rem {
			if rem[i] > rem[best] {
				best = i
			}
		}
		out[best]++
		rem[best] = -1
	}
	return out
}
