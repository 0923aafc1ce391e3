package lookup_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/parallax-news/parallax/internal/canon"
	"github.com/parallax-news/parallax/internal/corpus"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
	"github.com/parallax-news/parallax/internal/stories"
)

// leadSentences is how many of an article's first sentences are its lead.
const leadSentences = 3

// TestSummaryEval summarises every story of BASIL's development portion (67 events,
// each reported by Fox News, The New York Times and HuffPost). Every article goes in
// through Index, as a lookup's would, and the story's articles are read back from
// the store with the candidates it kept. It checks that every bullet is a sentence
// of a member article, exactly, and reports ROUGE-1 and ROUGE-2 recall against the
// outlets' own leads.
//
// For each story and each outlet X in turn, the reference is the lead (first three
// sentences) of the two other outlets' articles, and the baseline the lead of X's
// article: what a reader of X alone gets. The summary is scored two ways:
//   - as served: its bullets may quote the other outlets' leads, that is the
//     reference itself, which flatters it;
//   - without the reference: the other two articles' lead sentences are taken out
//     of their candidates before summarising, so the summary can only use X's
//     sentences and the others' later ones, as the baseline can only use X's.
//
// ROUGE recall grows with length, so the summary's first three bullets (as many
// sentences as the baseline) are scored too. Run it with make eval.
func TestSummaryEval(t *testing.T) {
	t.Parallel()
	root := corpus.Require(t, "story-clustering")
	docs, err := corpus.Streams()[0].Load(root)
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.OpenEmbedded(t, store.Options{})
	svc := newService(t, st, time.Second)
	ctx := context.Background()
	type member struct {
		outlet string
		text   string
		url    string
	}
	byStory := map[string][]member{}
	var order []string
	for _, d := range docs {
		u, err := url.Parse(d.URL)
		if err != nil {
			t.Fatal(err)
		}
		canonical, err := canon.URL(d.URL)
		if err != nil {
			t.Fatal(err)
		}
		published, _ := time.Parse(time.DateOnly, d.Published)
		a := stories.Article{
			URL: canonical, Title: d.Title, Lang: "en", Published: published.Add(12 * time.Hour),
			Domain: canon.Domain(u.Hostname()), OutletID: svc.OutletID(u.Hostname()), Excerpt: firstParagraph(d.Text),
		}
		if a.OutletID == "" {
			t.Fatalf("no registry outlet for %s", u.Hostname())
		}
		if _, err := svc.Index(ctx, a, d.Text); err != nil {
			t.Fatal(err)
		}
		if byStory[d.Gold] == nil {
			order = append(order, d.Gold)
		}
		byStory[d.Gold] = append(byStory[d.Gold], member{a.OutletID, d.Text, canonical})
	}

	var served, servedTop3, clean, cleanTop3, baseline rouge
	var held, heldTop3, heldBase rouge
	bullets, fromOthers, stored := 0, 0, 0
	for _, gold := range order {
		ms := byStory[gold]
		if len(ms) != 3 {
			t.Fatalf("story %s has %d articles, want 3", gold, len(ms))
		}
		var s stories.Story
		texts := map[string]string{}
		for _, m := range ms {
			a, _, err := st.ArticleByURL(ctx, m.url)
			if err != nil {
				t.Fatal(err)
			}
			stored += len(a.Candidates)
			s.Articles = append(s.Articles, a)
			texts[a.URL] = m.text
		}
		s.ID, s.Version, s.ArticleCount = gold, 1, len(s.Articles)
		summary := stories.Summarize(s, svc.Bias)
		if len(summary) == 0 {
			t.Errorf("story %s: no bullets", gold)
		}
		for _, b := range summary {
			text, member := texts[b.ArticleURL]
			if !member {
				t.Errorf("story %s: bullet cites %s, not a member", gold, b.ArticleURL)
			}
			if !slices.Contains(stories.Sentences(text, "en"), b.Text) {
				t.Errorf("story %s: bullet %q is not a sentence of %s", gold, b.Text, b.ArticleURL)
			}
		}
		bullets += len(summary)
		// Held out: one outlet's lead is the reference, the summary is of the two
		// other articles alone, the baseline either one's lead.
		for z := range ms {
			refs := [][]string{words(strings.Join(lead3(ms[z].text), " "))}
			two := s
			two.Articles = slices.Delete(slices.Clone(s.Articles), z, z+1)
			sum2 := stories.Summarize(two, svc.Bias)
			held.add(bulletWords(sum2, 0), refs)
			heldTop3.add(bulletWords(sum2, leadSentences), refs)
			for x := range ms {
				if x != z {
					heldBase.add(words(strings.Join(lead3(ms[x].text), " ")), refs)
				}
			}
		}
		for x := range ms {
			var refs [][]string
			var lead map[string]bool
			lead = map[string]bool{}
			for y, m := range ms {
				if y == x {
					continue
				}
				l := lead3(m.text)
				refs = append(refs, words(strings.Join(l, " ")))
				for _, s := range l {
					lead[s] = true
				}
			}
			baseline.add(words(strings.Join(lead3(ms[x].text), " ")), refs)
			served.add(bulletWords(summary, 0), refs)
			servedTop3.add(bulletWords(summary, leadSentences), refs)
			// Without the reference: the other articles' lead sentences go.
			cut := s
			cut.Articles = make([]stories.Article, len(s.Articles))
			for i, a := range s.Articles {
				a.Candidates = slices.DeleteFunc(slices.Clone(a.Candidates), func(c stories.Candidate) bool { return i != x && lead[c.Text] })
				cut.Articles[i] = a
			}
			alone := stories.Summarize(cut, svc.Bias)
			clean.add(bulletWords(alone, 0), refs)
			cleanTop3.add(bulletWords(alone, leadSentences), refs)
			for _, b := range alone {
				if b.ArticleURL != s.Articles[x].URL {
					fromOthers++
				}
			}
		}
	}
	if stored == 0 {
		t.Fatal("no article kept a candidate sentence through Index")
	}
	t.Logf("summary eval: %d stories, %d bullets (%.1f a story), %.1f candidates stored per article",
		len(order), bullets, float64(bullets)/float64(len(order)), float64(stored)/float64(3*len(order)))
	t.Logf("ROUGE recall against the other two outlets' leads, mean of %d (story, outlet) pairs:", baseline.n)
	for _, r := range []struct {
		name string
		r    rouge
	}{
		{"lead-3 of one outlet (baseline)", baseline},
		{"summary as served", served},
		{"summary as served, first 3 bullets", servedTop3},
		{"summary without the reference's sentences", clean},
		{"summary without the reference's sentences, first 3 bullets", cleanTop3},
	} {
		t.Logf("  %-60s ROUGE-1 %.3f  ROUGE-2 %.3f  (%.0f words)", r.name, r.r.mean1(), r.r.mean2(), r.r.meanWords())
	}
	t.Logf("  bullets from the other outlets' later sentences, without the reference: %d", fromOthers)
	t.Logf("ROUGE recall against one outlet's lead, summarising the two other articles alone:")
	for _, r := range []struct {
		name string
		r    rouge
	}{
		{"lead-3 of one of the other two (baseline)", heldBase},
		{"summary of the other two", held},
		{"summary of the other two, first 3 bullets", heldTop3},
	} {
		t.Logf("  %-60s ROUGE-1 %.3f  ROUGE-2 %.3f  (%.0f words)", r.name, r.r.mean1(), r.r.mean2(), r.r.meanWords())
	}
	better := func(a, b rouge) string {
		if a.mean1() > b.mean1() && a.mean2() > b.mean2() {
			return "better than"
		}
		if a.mean1() < b.mean1() && a.mean2() < b.mean2() {
			return "worse than"
		}
		return "mixed against"
	}
	t.Logf("summary verdict: without the reference, first 3 bullets, %s the lead-3 baseline (all bullets: %s); held out, first 3 bullets %s it (all bullets: %s)",
		better(cleanTop3, baseline), better(clean, baseline), better(heldTop3, heldBase), better(held, heldBase))
}

// lead3 is the lead of an article's text.
func lead3(text string) []string {
	s := stories.Sentences(text, "en")
	return s[:min(len(s), leadSentences)]
}

func bulletWords(bs []stories.Bullet, n int) []string {
	if n > 0 {
		bs = bs[:min(len(bs), n)]
	}
	var parts []string
	for _, b := range bs {
		parts = append(parts, b.Text)
	}
	return words(strings.Join(parts, " "))
}

// words are ROUGE's tokens: lower-cased runs of letters and digits, no stemming
// and no stop list (ROUGE-1.5.5's defaults).
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// rouge accumulates ROUGE-1 and ROUGE-2 recall (Lin, 2004) over summaries, each
// scored against several references and averaged over them.
type rouge struct {
	r1, r2, wordsSum float64
	n                int
}

func (r *rouge) add(summary []string, refs [][]string) {
	var r1, r2 float64
	for _, ref := range refs {
		r1 += recall(summary, ref, 1)
		r2 += recall(summary, ref, 2)
	}
	r.r1 += r1 / float64(len(refs))
	r.r2 += r2 / float64(len(refs))
	r.wordsSum += float64(len(summary))
	r.n++
}

func (r rouge) mean1() float64     { return r.r1 / float64(max(r.n, 1)) }
func (r rouge) mean2() float64     { return r.r2 / float64(max(r.n, 1)) }
func (r rouge) meanWords() float64 { return r.wordsSum / float64(max(r.n, 1)) }

// recall is the share of ref's n-grams the summary has, each counted at most as
// often as the summary has it.
func recall(summary, ref []string, n int) float64 {
	grams := func(ws []string) map[string]int {
		m := map[string]int{}
		for i := 0; i+n <= len(ws); i++ {
			m[strings.Join(ws[i:i+n], " ")]++
		}
		return m
	}
	have, want := grams(summary), grams(ref)
	total, hit := 0, 0
	for g, c := range want {
		total += c
		hit += min(c, have[g])
	}
	if total == 0 {
		return 0
	}
	return float64(hit) / float64(total)
}

// firstParagraph is the excerpt extraction keeps for a page without a description:
// the start of the first paragraph, at most 300 characters.
func firstParagraph(text string) string {
	p, _, _ := strings.Cut(text, "\n")
	if r := []rune(p); len(r) > 300 {
		return string(r[:300])
	}
	return p
}
