package web

import (
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/stories"
)

// titles returns each column's headlines, copies in brackets after their original.
func titles(c Column) []string {
	var out []string
	for _, e := range c.Entries {
		s := e.Outlet.Name
		for _, cp := range e.Copies {
			s += " [" + cp.Outlet.Name + "]"
		}
		out = append(out, s)
	}
	return out
}

func TestColumns(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	ap := art("associated-press", "ap", "07:30", "Wire text")
	abc := copyOf(art("abc-news", "abc", "07:50", ""), ap)
	tests := []struct {
		name                       string
		arts                       []stories.Article
		left, center, right, unrat string
	}{
		{
			name:   "each outlet in its side's column, oldest first",
			arts:   []stories.Article{art("fox-news", "f", "09:00", "F"), art("cnn", "c", "08:00", "C"), art("guardian", "g", "07:00", "G"), art("bbc-news", "b", "10:00", "B")},
			left:   "The Guardian|CNN",
			center: "BBC News",
			right:  "Fox News",
		},
		{
			name:   "far and lean points fold into their side",
			arts:   []stories.Article{art("breitbart", "br", "07:00", "B"), art("new-york-post", "ny", "08:00", "N"), art("msnbc", "ms", "09:00", "M")},
			left:   "MS NOW (formerly MSNBC)",
			right:  "Breitbart News|New York Post",
			center: "",
		},
		{
			name:   "unrated and unknown outlets have their own group",
			arts:   []stories.Article{art("10-news", "t", "07:00", "T"), art("domain:kestrel.example", "k", "08:00", "K")},
			unrat:  "10 News+|kestrel.example",
			center: "",
		},
		{
			name:   "a copy is folded under its original, whatever its own side",
			arts:   []stories.Article{abc, ap, copyOf(art("fox-news", "f", "08:30", ""), ap)},
			center: "Associated Press [ABC News] [Fox News]",
		},
		{
			name:   "a copy of a copy is folded under the first article",
			arts:   []stories.Article{ap, abc, copyOf(art("cnn", "c", "09:00", ""), abc)},
			center: "Associated Press [ABC News] [CNN]",
		},
		{
			name: "a copy whose original is not listed stands on its own",
			arts: []stories.Article{abc},
			left: "ABC News",
		},
		{
			name: "copies of each other (bad data) both stay listed",
			arts: func() []stories.Article {
				a, b := art("cnn", "c", "07:00", "C"), art("guardian", "g", "08:00", "G")
				a.DuplicateOf, b.DuplicateOf = b.URL, a.URL
				return []stories.Article{a, b}
			}(),
			left: "CNN|The Guardian",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := NewStoryPage(stories.Story{ID: "s1", Title: "T", ArticleCount: len(tt.arts), Articles: tt.arts}, reg)
			for i, want := range []string{tt.left, tt.center, tt.right, tt.unrat} {
				col := p.Unrated
				if i < 3 {
					col = p.Columns[i]
				}
				if got := strings.Join(titles(col), "|"); got != want {
					t.Errorf("%s column: %q, want %q", col.Heading, got, want)
				}
			}
			shown := 0
			for _, c := range append(p.Columns[:], p.Unrated) {
				for _, e := range c.Entries {
					shown += 1 + len(e.Copies)
				}
			}
			if shown != len(tt.arts) {
				t.Errorf("%d articles listed, want %d", shown, len(tt.arts))
			}
		})
	}
}

func TestCopyMarks(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	ap := art("associated-press", "ap", "07:30", "Wire text")
	lone := copyOf(art("cnn", "c", "08:00", ""), art("reuters", "r", "07:00", "Not listed"))
	p := NewStoryPage(stories.Story{ID: "s1", Articles: []stories.Article{ap, copyOf(art("abc-news", "abc", "07:50", ""), ap), lone}}, reg)
	if p.Copies != 2 || p.Independent != 1 || p.Outlets != 3 {
		t.Errorf("copies %d, independent %d, outlets %d; want 2, 1, 3", p.Copies, p.Independent, p.Outlets)
	}
	if e := p.Columns[1].Entries[0]; e.LoneCopy || e.Copies[0].LoneCopy {
		t.Error("an original or a folded copy is marked as a copy of an article not listed")
	}
	if e := p.Columns[0].Entries; len(e) != 1 || !e[0].LoneCopy {
		t.Errorf("the copy whose original is not listed: %+v", e)
	}
}

// TestBalanceSentence checks that a percentage is never shown without the
// sentence saying what it rests on, and that no bar is drawn with nothing rated.
func TestBalanceSentence(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	p := pages(t)
	tests := []struct {
		name string
		arts []stories.Article
		pct  bool
		want string
	}{
		{"all rated", []stories.Article{art("cnn", "c", "07:00", "C"), art("fox-news", "f", "08:00", "F")}, true, "Based on all 2 outlets, each counted once."},
		{"some unrated", []stories.Article{art("cnn", "c", "07:00", "C"), art("10-news", "t", "08:00", "T"), art("domain:x.example", "x", "09:00", "X")}, true, "Based on 1 of 3 outlets; 2 are unrated."},
		{"none rated", []stories.Article{art("10-news", "t", "08:00", "T")}, false, "None of the 1 outlets is rated, so there is no balance to show."},
		{"no articles", nil, false, "No outlets yet."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := stories.Story{ID: "s1", Title: "T", Articles: tt.arts}
			m := NewStoryPage(s, reg)
			if m.Balance.Sentence != tt.want {
				t.Errorf("sentence %q, want %q", m.Balance.Sentence, tt.want)
			}
			var b strings.Builder
			if err := p.RenderStory(&b, m); err != nil {
				t.Fatal(err)
			}
			item := NewHomePage(nil, []StoryItem{itemOf(s)}, 1, false, reg)
			var h strings.Builder
			if err := p.RenderHome(&h, item); err != nil {
				t.Fatal(err)
			}
			for page, html := range map[string]string{"story": b.String(), "home": h.String()} {
				if got := strings.Contains(html, "%"); got != tt.pct {
					t.Errorf("%s page shows a percentage: %v, want %v", page, got, tt.pct)
				}
				if got := strings.Contains(html, `class="bar"`); got != tt.pct {
					t.Errorf("%s page draws a bar: %v, want %v", page, got, tt.pct)
				}
				if !strings.Contains(html, escapeText(tt.want)) {
					t.Errorf("%s page lacks the sentence %q", page, tt.want)
				}
			}
		})
	}
}

// escapeText is what html/template makes of a sentence in text.
func escapeText(s string) string {
	return strings.NewReplacer("'", "&#39;", `"`, "&#34;", "+", "&#43;").Replace(s)
}

// TestFirstPublished checks that the pages show when a story was first reported
// (its earliest article), never when Parallax first saw it.
func TestFirstPublished(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	s := threeSided() // first published 07:30, first seen 09:30
	want := at("07:30")
	m := NewStoryPage(s, reg)
	if !m.FirstPublished.At.Equal(want) {
		t.Errorf("FirstPublished %v, want %v", m.FirstPublished, want)
	}
	page := render(t, m)
	if !strings.Contains(page, `First reported <time datetime="2026-11-20T07:30:00Z">20 Nov 2026, 07:30 UTC</time>`) {
		t.Error("the story page does not say it was first reported at 07:30")
	}
	if strings.Contains(page, "09:30") {
		t.Error("the story page shows the time Parallax first saw the story")
	}

	// An undated story says so rather than fall back to FirstSeen.
	undated := stories.Story{ID: "s2", Title: "T", FirstSeen: at("09:30"), Articles: []stories.Article{{URL: "https://cnn.example/a", Title: "A", OutletID: "cnn", Added: at("09:30")}}}
	if m := NewStoryPage(undated, reg); !m.FirstPublished.At.IsZero() {
		t.Errorf("undated story: FirstPublished %v", m.FirstPublished)
	} else if page := render(t, m); !strings.Contains(page, "First reported unknown") {
		t.Error("undated story: the page does not say the first report is unknown")
	}

	// Lists show the item's FirstPublished.
	h := NewHomePage(nil, []StoryItem{{ID: "s1", Title: "T", FirstPublished: want, Updated: at("14:00"), ArticleCount: 1, Sources: []string{"cnn"}}}, 1, false, reg)
	if got := h.Newest[0].FirstPublished.At; !got.Equal(want) {
		t.Errorf("home item FirstPublished %v", got)
	}
}

func TestStoryCut(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	var arts []stories.Article
	for i := range maxArticles + 20 {
		arts = append(arts, art("cnn", "a"+strings.Repeat("x", i%7)+time.Duration(i).String(), "07:00", "A"))
	}
	m := NewStoryPage(stories.Story{ID: "s1", Title: "T", ArticleCount: 900, Articles: arts}, reg)
	if m.Shown != maxArticles || m.ArticleCount != 900 || !m.Cut() {
		t.Errorf("shown %d of %d (cut %v)", m.Shown, m.ArticleCount, m.Cut())
	}
	if page := render(t, m); !strings.Contains(page, "newest 500 of the story's 900 articles") {
		t.Error("a story cut short does not say so")
	}
}

func TestRaterTable(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	m := NewStoryPage(threeSided(), reg)
	if want := []string{"AllSides", "Ad Fontes Media", "Media Bias/Fact Check"}; strings.Join(m.Ratings.Raters, "|") != strings.Join(want, "|") {
		t.Errorf("raters %q", m.Ratings.Raters)
	}
	if m.Ratings.Unknown != 1 || len(m.Ratings.Rows) != 10 {
		t.Errorf("%d rows, %d unknown; want 10 and 1", len(m.Ratings.Rows), m.Ratings.Unknown)
	}
	// The AP's consensus is center, AllSides says lean left: both are shown.
	ap, _ := reg.ByID("associated-press")
	for _, row := range m.Ratings.Rows {
		if row.Outlet.Name != ap.Name {
			continue
		}
		if row.Outlet.Bias.Label != "Center" || !row.Verdict[0].Rated || row.Verdict[0].Bias != "Lean left" || row.Verdict[0].Year == 0 {
			t.Errorf("AP row %+v", row)
		}
	}
	if page := render(t, m); !strings.Contains(page, "<td>Lean left (2025)</td>") {
		t.Error("the page does not show a rater's verdict with its year")
	}
}

func TestDistribution(t *testing.T) {
	t.Parallel()
	d := distribution([]stories.Count{{Value: "high", Count: 4}, {Value: "mostly-factual", Count: 1}, {Value: "unrated", Count: 2}})
	want := []Bar{{"High", 4, 100}, {"Mostly factual", 1, 25}, {"Unrated", 2, 50}}
	if d.Total != 7 || len(d.Bars) != len(want) {
		t.Fatalf("%+v", d)
	}
	for i := range want {
		if d.Bars[i] != want[i] {
			t.Errorf("bar %d: %+v, want %+v", i, d.Bars[i], want[i])
		}
	}
}

func TestBlindspotsPage(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	one := itemOf(oneSided())
	m := NewBlindspotsPage([]StoryItem{one, itemOf(threeSided())}, reg)
	if len(m.Right) != 1 || len(m.Left) != 0 || m.Right[0].Href != "/stories/"+one.ID {
		t.Errorf("left %d, right %d", len(m.Left), len(m.Right))
	}
	if m.Right[0].Blindspot.Side != outlets.SideRight {
		t.Errorf("blindspot %+v", m.Right[0].Blindspot)
	}
	s := NewStoryPage(oneSided(), reg)
	if s.Blindspot == nil || s.Blindspot.Side != outlets.SideRight || !strings.Contains(s.Blindspot.Reason, "6 of the 7 rated outlets") {
		t.Errorf("story blindspot %+v", s.Blindspot)
	}
	if s := NewStoryPage(threeSided(), reg); s.Blindspot != nil {
		t.Errorf("a balanced story is a blindspot: %+v", s.Blindspot)
	}
}

func TestHomePaging(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	tests := []struct {
		page       int
		next       bool
		prev, link string
	}{
		{1, true, "", "/?page=2"},
		{0, false, "", ""},
		{2, true, "/", "/?page=3"},
		{5, false, "/?page=4", ""},
	}
	for _, tt := range tests {
		h := NewHomePage(nil, nil, tt.page, tt.next, reg)
		if h.Prev != tt.prev || h.Next != tt.link {
			t.Errorf("page %d: prev %q next %q, want %q %q", tt.page, h.Prev, h.Next, tt.prev, tt.link)
		}
	}
}

func TestErrorPage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		next   string
		login  bool
		keep   string
	}{
		{401, "/stories/s1", true, "/stories/s1"},
		{401, "//evil.example/x", true, ""},
		{401, `/\evil.example`, true, ""},
		{401, "https://evil.example/", true, ""},
		{404, "/x", false, ""},
		{500, "", false, ""},
		{418, "", false, ""},
	}
	for _, tt := range tests {
		e := NewErrorPage(tt.status, tt.next)
		if e.Login != tt.login || e.Next != tt.keep || e.Title == "" || e.Message == "" {
			t.Errorf("NewErrorPage(%d, %q) = %+v", tt.status, tt.next, e)
		}
	}
	var b strings.Builder
	if err := pages(t).RenderError(&b, NewErrorPage(401, "/stories/s1")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<form class="login" action="/login" method="post">`, `name="token"`, `type="password"`, `<label for="token">`, `name="next" value="/stories/s1"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("401 page lacks %s", want)
		}
	}
}

// TestSummaryOnPage: the summary heads the story page, each bullet with its
// outlet's name linking to the article it is quoted from and its side's chip, its
// text escaped; a story without one has no such section.
func TestSummaryOnPage(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	st := threeSided()
	m := NewStoryPage(st, reg)
	m.Summary = SummaryOf(stories.Summarize(st, reg.Bias), reg)
	if len(m.Summary) < 3 {
		t.Fatalf("%d bullets from the fixture, want at least 3", len(m.Summary))
	}
	page := render(t, m)
	brief := between(page, `<section class="summary"`, "</section>")
	if brief == "" || strings.Index(page, `class="summary"`) > strings.Index(page, `id="balance"`) {
		t.Fatalf("no summary above the balance:\n%s", page)
	}
	for _, b := range m.Summary {
		if !strings.Contains(brief, `<a href="`+b.Href+`">`+b.Outlet.Name+`</a> <span class="chip `+string(b.Outlet.Bias.Side)+`">`) {
			t.Errorf("bullet of %s: no link to %s with its chip in\n%s", b.Outlet.Name, b.Href, brief)
		}
	}
	if strings.Contains(brief, "<for years>") {
		t.Errorf("a bullet's text is not escaped:\n%s", brief)
	}
	if page := render(t, NewStoryPage(st, reg)); strings.Contains(page, `class="summary"`) {
		t.Error("a page without a summary shows its section")
	}
}
