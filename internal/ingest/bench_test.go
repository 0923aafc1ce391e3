package ingest_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/ingest"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
)

// BenchmarkIngest runs one pass over 200 feeds of 50 items each, every item with a
// page, served from 20 loopback addresses (ten feeds per "site", so the one-request-
// at-a-time-per-host rule applies as it would in production; the gap between
// requests is off), into the real Redis. It reports articles/s and the lag from an
// item's publication to its indexing. Run it with:
//
//	go test ./internal/ingest -run '^$' -bench BenchmarkIngest -benchtime 1x
func BenchmarkIngest(b *testing.B) {
	const sites, feedsPerSite, itemsPerFeed = 20, 10, 50
	published := time.Now().UTC().Truncate(time.Second)
	rng := rand.New(rand.NewPCG(7, 7))
	words := strings.Fields("council bridge river police court election minister storm flood hospital school budget strike market airport train fire harbour mayor vote")
	pages := map[string]string{} // path → page
	feedBodies := map[string]string{}
	var hosts []string
	for s := range sites {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", s+2))
		if err != nil {
			b.Skipf("cannot listen on 127.0.0.%d: %v", s+2, err)
		}
		base := "http://" + ln.Addr().String()
		hosts = append(hosts, base)
		for f := range feedsPerSite {
			var items []item
			for i := range itemsPerFeed {
				topic := fmt.Sprintf("%s %s %s %d", words[rng.IntN(len(words))], words[rng.IntN(len(words))], words[rng.IntN(len(words))], rng.IntN(5000))
				path := fmt.Sprintf("/s%d/f%d/a%d", s, f, i)
				title := "Report on the " + topic
				var body []string
				for range 6 {
					body = append(body, fmt.Sprintf("Officials said the %s would be discussed again on %s, after %d residents wrote to the %s.", topic, words[rng.IntN(len(words))], rng.IntN(900), words[rng.IntN(len(words))]))
				}
				pages[base+path] = articlePage(title, strings.Join(body, "\n\n"), published)
				items = append(items, item{path, title, body[0], published})
			}
			feedBodies[base+fmt.Sprintf("/s%d/feed%d", s, f)] = rss(base, items...)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key := "http://" + r.Host + r.URL.Path
			if body, ok := feedBodies[key]; ok {
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Write([]byte(body))
				return
			}
			if page, ok := pages[key]; ok {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Write([]byte(page))
				return
			}
			http.NotFound(w, r)
		})}
		go srv.Serve(ln)
		b.Cleanup(func() { srv.Close() })
	}
	var srcs []ingest.Source
	for u := range feedBodies {
		srcs = append(srcs, ingest.Source{URL: u})
	}
	slices.SortFunc(srcs, func(a, b ingest.Source) int { return strings.Compare(a.URL, b.URL) })
	for b.Loop() {
		st := storetest.OpenRedis(b, store.Options{})
		r := newRig(b, st)
		var mu sync.Mutex
		var lags []time.Duration
		in := r.ingester(srcs, func(o *ingest.Options) {
			o.Concurrency = ingest.DefaultConcurrency
			o.OnArticle = func(_ bool, lag time.Duration) { mu.Lock(); lags = append(lags, lag); mu.Unlock() }
		})
		start := time.Now()
		rep := in.Pass(context.Background(), nil)
		took := time.Since(start)
		if rep.Errors > 0 || rep.Articles != sites*feedsPerSite*itemsPerFeed {
			b.Fatalf("pass: %+v", rep)
		}
		slices.Sort(lags)
		b.ReportMetric(float64(rep.Articles)/took.Seconds(), "articles/s")
		b.ReportMetric(lags[len(lags)/2].Seconds(), "lag_p50_s")
		b.ReportMetric(lags[len(lags)*95/100].Seconds(), "lag_p95_s")
		b.Logf("%d feeds, %d articles in %s; lag from publication to index: median %s, p95 %s",
			len(srcs), rep.Articles, took.Round(time.Millisecond), lags[len(lags)/2].Round(time.Millisecond), lags[len(lags)*95/100].Round(time.Millisecond))
	}
}
