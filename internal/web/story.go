package web

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/stories"
)

// StoryPage is everything the page of one story shows.
type StoryPage struct {
	ID    string
	Title string
	// FirstPublished is when the story was first reported: the earliest publication
	// time of its articles, never when Parallax first saw it. Zero when none is dated.
	FirstPublished Time
	Updated        Time
	ArticleCount   int // every article of the story, even those not shown
	Shown          int // the articles this page lists; fewer when the story was cut short
	Outlets        int
	Independent    int // outlets with text of their own (stories.IndependentOutlets)
	Copies         int // articles that copy another article's text
	Balance        BalanceView
	Blindspot      *BlindspotView
	// Columns are Left, Center and Right, in that order; unrated outlets (and those
	// the registry does not know) have their own group.
	Columns    [3]Column
	Unrated    Column
	Factuality Distribution
	Ownership  Distribution
	Timeline   TimelineView
	Ratings    RaterTable
	// Summary is the story in a few sentences, each quoted from one of its
	// articles (stories.Summarize), most salient first; empty when its articles
	// offer none. The server sets it (see SummaryOf) from its cache of summaries.
	Summary []SummaryBullet
	// Related are other stories close to this one, best first.
	Related []RelatedView
	// Moved, when set, is the article the reader just took out of the story, with
	// the undo.
	Moved *MovedView
}

// StoryOptions are what a story page shows beyond the story itself.
type StoryOptions struct {
	// ArticleID names articles in the correction routes; without it the page
	// offers no "Not this story" button.
	ArticleID func(canonicalURL string) string
	Related   []stories.Related
	// Moved is the article a reader just detached (its id) and the story it now
	// has of its own, to confirm and offer the undo; empty when none.
	MovedArticle, MovedTo string
}

// RelatedView is a link to a related story.
type RelatedView struct {
	Title string
	Href  string
}

// MovedView confirms a detach and offers its undo.
type MovedView struct {
	Href string // the article's story of its own
	Undo string // the form action that puts it back
}

// SummaryBullet is one sentence of the summary with the outlet it is quoted from.
type SummaryBullet struct {
	Text   string
	Href   string // the article; "" unless it is an http(s) URL
	Outlet OutletRef
}

// SummaryOf turns a story's summary bullets into what its page shows, with the
// outlets of reg.
func SummaryOf(bs []stories.Bullet, reg *outlets.Registry) []SummaryBullet {
	if len(bs) == 0 {
		return nil
	}
	sources := make([]string, len(bs))
	for i, b := range bs {
		sources[i] = stories.Article{OutletID: b.OutletID, Domain: b.Domain}.Source()
	}
	k := lookupSources(reg, sources, nil)
	out := make([]SummaryBullet, len(bs))
	for i, b := range bs {
		out[i] = SummaryBullet{Text: b.Text, Href: safeLink(b.ArticleURL), Outlet: k.ref(sources[i])}
	}
	return out
}

// Cut reports whether the story has more articles than the page lists.
func (s StoryPage) Cut() bool { return s.ArticleCount > s.Shown }

// Column is the headlines of one side.
type Column struct {
	Side    outlets.Side
	Heading string  // "Left", "Unrated"
	Empty   string  // what to say when no outlet of the side covered the story
	Outlets int     // the side's outlets, as the balance counts them
	Entries []Entry // oldest first: who broke the story comes first
}

// Entry is one article with the copies of its text folded under it.
type Entry struct {
	Outlet    OutletRef
	Title     string
	Href      string // the article; "" unless it is an http(s) URL
	Published Time   // zero when the article is undated
	Snippet   string // the start of its excerpt
	Partial   bool   // only the feed's title and summary were available
	// LoneCopy is set on an entry that copies an article the page does not list (the
	// original fell outside the newest articles): the copy then stands on its own.
	LoneCopy bool
	// Why says in plain words why the article is in the story (empty when the
	// index did not keep it); Detach is the form action of its "Not this story"
	// button ("" when none is offered).
	Why    []string
	Detach string
	Copies []Entry // other outlets' copies of this text, oldest first
}

// Distribution is a count of the story's outlets by one property, as small bars.
type Distribution struct {
	Total int
	Bars  []Bar
}

// Bar is one value of a distribution.
type Bar struct {
	Label string
	Count int
	Width int // 0–100, relative to the largest count, so the largest bar is full
}

// RaterTable is each rater's verdict on every outlet of the story, so that where
// raters disagree the reader sees it next to the consensus the balance uses.
type RaterTable struct {
	Raters  []string // the raters' names, the columns
	Rows    []RaterRow
	Unknown int // outlets the registry does not know, which no rater covers here
}

// RaterRow is one outlet's verdicts.
type RaterRow struct {
	Outlet    OutletRef
	Consensus string    // what Parallax shows: "Lean left; High"
	Verdict   []Verdict // one per rater, in the table's order
}

// Verdict is one rater's verdict on one outlet.
type Verdict struct {
	Rated      bool
	Bias       string // "Lean left"; "" when the rater gives none
	Factuality string // "High"; "" when the rater gives none
	Year       int
	Text       string // the cell: "Lean left; High (2025)", "Not rated"
}

// NewStoryPage builds the page of s, whose Articles are newest first as the store
// returns them, with the outlets of reg.
func NewStoryPage(s stories.Story, reg *outlets.Registry) StoryPage {
	return NewStoryPageWith(s, reg, StoryOptions{})
}

// NewStoryPageWith is NewStoryPage with the corrections, related stories and a
// just-made detach shown (see StoryOptions).
func NewStoryPageWith(s stories.Story, reg *outlets.Registry, o StoryOptions) StoryPage {
	arts := s.Articles[:min(len(s.Articles), maxArticles)]
	sources := stories.Sources(arts)
	k := lookupSources(reg, sources, nil)
	bal := stories.BalanceOf(arts, k.bias)
	copies := 0
	for _, a := range arts {
		if a.DuplicateOf != "" {
			copies++
		}
	}
	p := StoryPage{
		ID:             s.ID,
		Title:          cut(s.Title, maxTitleRunes),
		FirstPublished: timeOf(stories.FirstPublished(arts), minuteLayout),
		Updated:        timeOf(s.Updated, minuteLayout),
		ArticleCount:   max(s.ArticleCount, len(arts)),
		Shown:          len(arts),
		Outlets:        len(sources),
		Independent:    stories.IndependentOutlets(arts),
		Copies:         copies,
		Balance:        balanceView(bal),
		Blindspot:      blindspotView(stories.BlindspotOf(sources, k.facts)),
		Factuality:     distribution(stories.FactualityOf(sources, k.facts)),
		Ownership:      distribution(stories.OwnershipOf(sources, k.facts)),
		Timeline:       timelineView(stories.TimelineOf(arts, k.facts)),
		Ratings:        raterTable(sources, k),
	}
	detach := func(stories.Article) string { return "" }
	if o.ArticleID != nil && p.ArticleCount > 1 {
		detach = func(a stories.Article) string {
			return "/stories/" + url.PathEscape(s.ID) + "/articles/" + url.PathEscape(o.ArticleID(a.URL)) + "/detach"
		}
	}
	p.Columns, p.Unrated = columns(arts, k, bal, detach)
	for _, r := range o.Related {
		p.Related = append(p.Related, RelatedView{Title: cut(r.Title, maxTitleRunes), Href: "/stories/" + url.PathEscape(r.ID)})
	}
	if o.MovedArticle != "" && o.MovedTo != "" {
		p.Moved = &MovedView{
			Href: "/stories/" + url.PathEscape(o.MovedTo),
			Undo: "/stories/" + url.PathEscape(s.ID) + "/articles/" + url.PathEscape(o.MovedArticle) + "/attach",
		}
	}
	return p
}

// columns puts each original article in the column of its outlet's side and folds
// each copy under the article it copies (whatever the copy's own side: the text is
// the original's), following chains of copies to their first article.
func columns(arts []stories.Article, k known, bal stories.Balance, detach func(stories.Article) string) ([3]Column, Column) {
	byURL := make(map[string]int, len(arts))
	for i, a := range arts {
		if _, dup := byURL[a.URL]; !dup {
			byURL[a.URL] = i
		}
	}
	// root returns the article whose text i copies, i itself for an original, and
	// i for a copy in a cycle of copies (bad data must not hang or drop it).
	root := func(i int) int {
		j := i
		for range len(arts) {
			orig, ok := byURL[arts[j].DuplicateOf]
			if arts[j].DuplicateOf == "" || !ok || orig == j {
				return j
			}
			j = orig
		}
		return i
	}
	roots := make([]int, len(arts))
	folded := make(map[int][]int)
	var originals []int
	for i := range arts {
		roots[i] = root(i)
		if roots[i] != i {
			folded[roots[i]] = append(folded[roots[i]], i)
		} else {
			originals = append(originals, i)
		}
	}
	refs := make(map[string]OutletRef, len(k)+1) // each outlet named once, not once an article
	entry := func(i int) Entry {
		a := arts[i]
		ref, ok := refs[a.Source()]
		if !ok {
			ref = k.ref(a.Source())
			refs[a.Source()] = ref
		}
		return Entry{
			Outlet:    ref,
			Title:     cut(a.Title, maxTitleRunes),
			Href:      safeLink(a.URL),
			Published: timeOf(a.Published, minuteLayout),
			Snippet:   cut(a.Excerpt, maxSnippetRunes),
			Partial:   a.Partial,
			// A copy folded under its original is not marked: the fold says it.
			LoneCopy: a.DuplicateOf != "" && roots[i] == i,
			Why:      Why(a.Match),
			Detach:   detach(a),
		}
	}
	byTime := func(x, y int) int {
		a, b := arts[x], arts[y]
		return cmp.Or(a.When().Compare(b.When()), strings.Compare(a.Source(), b.Source()), strings.Compare(a.URL, b.URL))
	}
	slices.SortFunc(originals, byTime)

	cols := [3]Column{
		{Side: outlets.SideLeft, Heading: "Left", Empty: "No left-leaning outlet has covered this story.", Outlets: bal.Left},
		{Side: outlets.SideCenter, Heading: "Center", Empty: "No center outlet has covered this story.", Outlets: bal.Center},
		{Side: outlets.SideRight, Heading: "Right", Empty: "No right-leaning outlet has covered this story.", Outlets: bal.Right},
	}
	unrated := Column{Side: outlets.SideUnrated, Heading: "Unrated outlets", Outlets: bal.Unrated}
	for i := range cols {
		if cols[i].Outlets > 0 {
			// The side's outlets only copied other outlets' text, which is folded
			// under the originals in their own columns.
			cols[i].Empty = "This side's outlets only ran copies of other outlets' articles, listed under the originals."
		}
	}
	for _, i := range originals {
		col := &unrated
		switch k[arts[i].Source()].Bias.Side() {
		case outlets.SideLeft:
			col = &cols[0]
		case outlets.SideCenter:
			col = &cols[1]
		case outlets.SideRight:
			col = &cols[2]
		}
		e := entry(i)
		cs := folded[i]
		slices.SortFunc(cs, byTime)
		for _, c := range cs {
			e.Copies = append(e.Copies, entry(c))
		}
		col.Entries = append(col.Entries, e)
	}
	return cols, unrated
}

// distribution draws counts as bars relative to the largest.
func distribution(counts []stories.Count) Distribution {
	d := Distribution{Bars: make([]Bar, 0, len(counts))}
	most := 0
	for _, c := range counts {
		d.Total += c.Count
		most = max(most, c.Count)
	}
	for _, c := range counts {
		d.Bars = append(d.Bars, Bar{Label: label(c.Value), Count: c.Count, Width: (c.Count*100 + most/2) / max(most, 1)})
	}
	return d
}

// raterTable lists the outlets of the story the registry knows, by name, with one
// column per rater that rated any of them.
func raterTable(sources []string, k known) RaterTable {
	var t RaterTable
	var raters []string
	var ids []string
	for _, src := range sources {
		o, ok := k[src]
		if !ok {
			t.Unknown++
			continue
		}
		ids = append(ids, src)
		for _, r := range o.Ratings {
			if !slices.Contains(raters, r.Rater) {
				raters = append(raters, r.Rater)
			}
		}
	}
	slices.SortFunc(raters, func(a, b string) int { return cmp.Or(raterOrder(a)-raterOrder(b), strings.Compare(a, b)) })
	slices.SortFunc(ids, func(a, b string) int { return cmp.Or(strings.Compare(k[a].Name, k[b].Name), strings.Compare(a, b)) })
	for _, r := range raters {
		t.Raters = append(t.Raters, raterName(r))
	}
	for _, id := range ids {
		o := k[id]
		ref := k.ref(id)
		row := RaterRow{Outlet: ref, Consensus: ref.Bias.Label + "; " + ref.Factuality, Verdict: make([]Verdict, len(raters))}
		for i := range row.Verdict {
			row.Verdict[i].Text = "Not rated"
		}
		for _, r := range o.Ratings {
			v := Verdict{Rated: true, Bias: label(string(r.Bias)), Factuality: label(string(r.Factuality)), Year: r.AsOf}
			v.Text = cmp.Or(v.Bias, "No bias given")
			if v.Factuality != "" {
				v.Text += "; " + v.Factuality
			}
			v.Text += fmt.Sprintf(" (%d)", v.Year)
			row.Verdict[slices.Index(raters, r.Rater)] = v
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Why says in plain words why an article is in its story, from the evidence the
// matcher kept: one sentence per part. Nil when there is none.
func Why(ev *stories.Evidence) []string {
	if ev == nil {
		return nil
	}
	switch {
	case ev.Corrected && ev.Started:
		return []string{"A reader took this article out of another story it did not belong to: it is a story of its own."}
	case ev.Corrected:
		return []string{fmt.Sprintf("A reader moved this article into the story. Against it, it scores %.2f; %.2f is needed to join.", ev.Score, ev.Threshold)}
	}
	if ev.Started {
		if ev.Score > 0 {
			return []string{fmt.Sprintf("This article started the story: the closest story then scored %.2f, under the %.2f needed to join it.", ev.Score, ev.Threshold)}
		}
		return []string{"This article started the story: no story then was close to it."}
	}
	lines := []string{fmt.Sprintf("It joined with a score of %.2f; %.2f is needed to join.", ev.Score, ev.Threshold)}
	var parts []string
	for _, p := range []struct {
		what string
		x    float64
	}{{"headline", ev.Title}, {"text", ev.Body}, {"names, places and numbers", ev.Entities}} {
		if p.x > 0 {
			parts = append(parts, fmt.Sprintf("%s %.2f", p.what, p.x))
		}
	}
	if len(parts) > 0 {
		lines = append(lines, "How alike it is to the story's articles (0 to 1): "+strings.Join(parts, ", ")+".")
	}
	switch {
	case ev.TimeGap <= 0:
	case ev.TimeFactor >= 0.999:
		lines = append(lines, fmt.Sprintf("Published %s from the story's nearest article in time, close enough to cost nothing.", gapText(ev.TimeGap)))
	default:
		lines = append(lines, fmt.Sprintf("Published %s from the story's nearest article in time, which multiplied the score by %.2f.", gapText(ev.TimeGap), ev.TimeFactor))
	}
	if len(ev.SharedEntities) > 0 {
		lines = append(lines, "Names and numbers in common: "+strings.Join(ev.SharedEntities, ", ")+".")
	}
	if len(ev.SharedTerms) > 0 {
		lines = append(lines, "Words in common (as the matcher stems them): "+strings.Join(ev.SharedTerms, ", ")+".")
	}
	return lines
}

// gapText writes a time gap in the largest unit that says it: "3 hours", "2 days".
func gapText(d time.Duration) string {
	switch {
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute")
	case d < 48*time.Hour:
		return plural(int(d.Hours()), "hour")
	}
	return plural(int(d.Hours()/24), "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
