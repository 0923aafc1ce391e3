package lookup_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
	"github.com/parallax-news/parallax/internal/stories"
)

// BenchmarkMatch measures matching throughput against the real Redis with 10,000
// and 100,000 articles already indexed (synthetic news: a Zipf vocabulary, stories
// of about four articles with their own names and places), one article at a time
// and with four concurrent writers (as feed ingestion runs), and the Redis memory
// the index costs per article. Run it with:
//
//	go test ./internal/lookup -run '^$' -bench BenchmarkMatch -benchtime 3000x
//
// It reports articles/s and redis_B/article; building the 100k index takes a couple
// of minutes.
func BenchmarkMatch(b *testing.B) {
	for _, indexed := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("indexed=%dk", indexed/1000), func(b *testing.B) {
			st := storetest.OpenRedis(b, store.Options{})
			svc := newService(b, st, time.Second)
			ctx := context.Background()
			gen := newSynth(1)
			before := redisMemory(b, st)
			start := time.Now()
			for i := range indexed {
				a, text := gen.article(i)
				if _, err := svc.Index(ctx, a, text); err != nil {
					b.Fatal(err)
				}
			}
			perArticle := float64(redisMemory(b, st)-before) / float64(indexed)
			b.Logf("indexed %d articles in %s; Redis memory %.0f B/article", indexed, time.Since(start).Round(time.Second), perArticle)
			// The articles to add while measuring, generated beforehand.
			next := indexed
			more := func(n int) ([]stories.Article, []string) {
				arts, texts := make([]stories.Article, n), make([]string, n)
				for i := range n {
					arts[i], texts[i] = gen.article(next)
					next++
				}
				return arts, texts
			}
			for _, workers := range []int{1, 4} {
				b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
					arts, texts := more(b.N)
					var i atomic.Int64
					b.ResetTimer()
					start := time.Now()
					var wg sync.WaitGroup
					for range workers {
						wg.Go(func() {
							for {
								k := int(i.Add(1)) - 1
								if k >= len(arts) {
									return
								}
								if _, err := svc.Index(ctx, arts[k], texts[k]); err != nil {
									b.Error(err)
									return
								}
							}
						})
					}
					wg.Wait()
					b.ReportMetric(float64(len(arts))/time.Since(start).Seconds(), "articles/s")
					b.ReportMetric(perArticle, "redis_B/article")
				})
			}
		})
	}
}

func redisMemory(b *testing.B, st *store.Redis) int64 {
	n, err := st.UsedMemory(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// synth generates a deterministic stream of news-like articles.
type synth struct {
	rng    *rand.Rand
	common []string // Zipf-distributed general vocabulary
	zipf   *rand.Zipf
	names  []string
	story  []synthStory
}

type synthStory struct {
	words []string
	day   time.Time
}

const (
	synthVocabulary = 30_000
	synthNames      = 20_000
	synthStorySize  = 4 // mean articles per story
	synthBodyWords  = 250
)

func newSynth(seed uint64) *synth {
	rng := rand.New(rand.NewPCG(seed, seed))
	s := &synth{rng: rng}
	syll := []string{"ka", "lo", "mi", "ren", "tor", "va", "sel", "da", "pin", "gro", "shu", "bel", "mar", "ti", "no", "ex", "qua", "ri", "zon", "ha"}
	word := func(n int) string {
		var sb strings.Builder
		for range n {
			sb.WriteString(syll[rng.IntN(len(syll))])
		}
		return sb.String()
	}
	for range synthVocabulary {
		s.common = append(s.common, word(2+rng.IntN(2)))
	}
	for range synthNames {
		n := word(2 + rng.IntN(2))
		s.names = append(s.names, strings.ToUpper(n[:1])+n[1:])
	}
	s.zipf = rand.NewZipf(rng, 1.1, 2, synthVocabulary-1)
	return s
}

// article returns the i-th article of the stream: a new story starts with
// probability 1/synthStorySize, else the article joins one of the recent stories.
func (s *synth) article(i int) (stories.Article, string) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 2 * time.Minute)
	if len(s.story) == 0 || s.rng.IntN(synthStorySize) == 0 {
		var words []string
		for range 4 {
			words = append(words, s.names[s.rng.IntN(len(s.names))])
		}
		for range 10 {
			words = append(words, s.common[s.rng.IntN(synthVocabulary)])
		}
		s.story = append(s.story, synthStory{words: words, day: base})
	}
	recent := max(0, len(s.story)-50)
	st := s.story[recent+s.rng.IntN(len(s.story)-recent)]
	pick := func() string {
		switch r := s.rng.Float64(); {
		case r < 0.3:
			return st.words[s.rng.IntN(len(st.words))]
		default:
			return s.common[s.zipf.Uint64()]
		}
	}
	title := make([]string, 8)
	for j := range title {
		title[j] = pick()
	}
	body := make([]string, synthBodyWords)
	for j := range body {
		body[j] = pick()
		if j%15 == 14 {
			body[j] += "."
		}
	}
	host := fmt.Sprintf("outlet%d.example", s.rng.IntN(400))
	return stories.Article{
		URL:       fmt.Sprintf("https://%s/news/%d", host, i),
		Title:     strings.Join(title, " "),
		Excerpt:   strings.Join(body[:30], " "),
		Domain:    host,
		Published: st.day.Add(time.Duration(s.rng.IntN(int(6 * time.Hour)))),
		// Pages declare their language (107 of the 121 real pages of the
		// article-extraction set do); the synthetic words would otherwise send
		// every article through the language detector (see stories'
		// BenchmarkAnalyze for its cost).
		Lang: "en",
	}, strings.Join(body, " ")
}
