package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/labstack/echo/v5"
	"github.com/parallax-news/parallax/internal/corpus"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
)

// The serving benchmarks' bounds. Everything runs on loopback, in this process:
// the load generator competes with the servers for the same cores, as wrk on the
// same machine would, and the same for all three handlers compared.
const (
	// benchConns is how many requests are in flight at once (wrk's -c 32).
	benchConns = 32
	// benchWindow is one measurement; benchWarm runs before it, not counted.
	benchWindow = 3 * time.Second
	benchWarm   = time.Second
	// benchRounds is how many times each handler is measured, interleaved with the
	// others, so that a burst of other load on the machine hits one round of each
	// rather than all of one; the median is reported.
	benchRounds = 3
	// postRounds is how many fresh servers each page is posted to (and parsed
	// beside) in BenchmarkPostedLookup.
	postRounds = 5
	// probeBytes is the size of the value the one-GET handler reads: about what an
	// indexed lookup reads of a small story.
	probeBytes = 2048
)

// benchBackend is a store the benchmarks run on, and the configuration of a server
// on it.
type benchBackend struct {
	name string
	cfg  func(b *testing.B) Config
}

// benchBackends are the real Redis (under a prefix of its own, purged after) and the
// embedded store.
func benchBackends(b *testing.B) []benchBackend {
	base := map[string]string{"PARALLAX_CLIENT_RATE": "0"}
	out := []benchBackend{{"embedded", func(b *testing.B) Config { return testConfig(b, base) }}}
	if storetest.RedisURL() != "none" {
		out = append([]benchBackend{{"redis", func(b *testing.B) Config {
			c := testConfig(b, map[string]string{"PARALLAX_CLIENT_RATE": "0", "PARALLAX_REDIS_URL": storetest.RedisURL()})
			c.StorePrefix = fmt.Sprintf("{pxbench-%d}:", time.Now().UnixNano())
			return c
		}}}, out...)
	}
	return out
}

// benchServer starts the whole server on a backend; the real Redis's keys are
// purged when the benchmark ends.
func benchServer(b *testing.B, be benchBackend) (*server, *httptest.Server) {
	s, ts := startServer(b, be.cfg(b))
	if !s.store.Embedded() {
		b.Cleanup(func() {
			if err := s.store.Purge(context.Background()); err != nil {
				b.Errorf("purge benchmark keys: %v", err)
			}
		})
	}
	return s, ts
}

// BenchmarkIndexedLookup measures, in one run, the requests per second of an
// indexed GET /api/v1/lookup (the whole server: every middleware, request logs
// formatted and discarded, the 121 pages of the article-extraction set indexed and
// looked up in turn), of a minimal Echo handler doing one store GET of a 2 KB value,
// and of an Echo hello handler, on the real Redis and on the embedded store, and
// prints the medians and their ratios. Run it with:
//
//	go test ./server -run '^$' -bench BenchmarkIndexedLookup -benchtime 1x
//
// It takes about a minute and a half.
func BenchmarkIndexedLookup(b *testing.B) {
	pages, err := corpus.LoadExtraction(corpus.Require(b, "article-extraction"))
	if err != nil {
		b.Fatal(err)
	}
	client := benchClient()
	ctx := context.Background()
	type target struct {
		name string
		urls []string
	}
	type row struct{ lookup, get target }
	rows := map[string]row{}
	backends := benchBackends(b)
	for _, be := range backends {
		s, ts := benchServer(b, be)
		var lookups []string
		for _, p := range pages {
			if canonical, err := postPage(client, ts.URL, p.URL, p.HTML); err == nil {
				lookups = append(lookups, ts.URL+"/api/v1/lookup?url="+url.QueryEscape(canonical))
			}
		}
		lookups = slices.Compact(slices.Sorted(slices.Values(lookups)))
		if len(lookups) < len(pages)/2 {
			b.Fatalf("%s: only %d of %d pages indexed", be.name, len(lookups), len(pages))
		}
		if err := s.store.SetProbe(ctx, probeBytes); err != nil {
			b.Fatal(err)
		}
		get := httptest.NewServer(oneGetHandler(s.store))
		b.Cleanup(get.Close)
		rows[be.name] = row{target{be.name + " indexed lookup", lookups}, target{be.name + " Echo + one GET", []string{get.URL + "/get"}}}
	}
	hello := httptest.NewServer(helloHandler())
	b.Cleanup(hello.Close)
	helloTarget := target{"Echo hello", []string{hello.URL + "/"}}

	rates := map[string][]float64{}
	for b.Loop() {
		for range benchRounds {
			for _, be := range backends {
				for _, t := range []target{rows[be.name].lookup, rows[be.name].get} {
					rps, err := throughput(client, t.urls)
					if err != nil {
						b.Fatalf("%s: %v", t.name, err)
					}
					rates[t.name] = append(rates[t.name], rps)
				}
			}
			rps, err := throughput(client, helloTarget.urls)
			if err != nil {
				b.Fatalf("%s: %v", helloTarget.name, err)
			}
			rates[helloTarget.name] = append(rates[helloTarget.name], rps)
		}
	}
	var out strings.Builder
	fmt.Fprintf(&out, "%d connections, %d rounds of %s, medians (req/s):\n", benchConns, benchRounds, benchWindow)
	h := median(rates[helloTarget.name])
	fmt.Fprintf(&out, "  %-28s %8.0f   rounds %s\n", helloTarget.name, h, figures(rates[helloTarget.name]))
	for _, be := range backends {
		r := rows[be.name]
		l, g := median(rates[r.lookup.name]), median(rates[r.get.name])
		fmt.Fprintf(&out, "  %-28s %8.0f   rounds %s\n", r.get.name, g, figures(rates[r.get.name]))
		fmt.Fprintf(&out, "  %-28s %8.0f   rounds %s   %.2fx the one GET, %.2fx hello (%d articles)\n",
			r.lookup.name, l, figures(rates[r.lookup.name]), l/g, l/h, len(r.lookup.urls))
		b.ReportMetric(l/g, be.name+"_lookup/get")
		b.ReportMetric(l, be.name+"_lookup_req/s")
	}
	b.Log("\n" + out.String())
}

// BenchmarkPostedLookup measures a lookup that posts the page (POST
// /api/v1/lookup, as the extension sends it: text/html; and in JSON for
// comparison) against a bare readability parse of the same page, over the 121 pages
// of the article-extraction set: each page posted to postRounds fresh servers (so
// it is new to the index every time: extraction, matching and the add), one request
// at a time, the parse of the same page timed beside each. It prints the median
// and 90th percentile over the pages of each page's median ratio. Run it with:
//
//	go test ./server -run '^$' -bench BenchmarkPostedLookup -benchtime 1x
func BenchmarkPostedLookup(b *testing.B) {
	pages, err := corpus.LoadExtraction(corpus.Require(b, "article-extraction"))
	if err != nil {
		b.Fatal(err)
	}
	urls := make([]*url.URL, len(pages))
	for i, p := range pages {
		if urls[i], err = url.Parse(p.URL); err != nil {
			b.Fatal(err)
		}
	}
	client := benchClient()
	for b.Loop() {
		var out strings.Builder
		fmt.Fprintf(&out, "%d pages, %d fresh servers each, per page the median over them of lookup / parse:\n", len(pages), postRounds)
		for _, be := range benchBackends(b) {
			parse := make([][]time.Duration, len(pages))
			posted := map[string][][]time.Duration{"text/html": make([][]time.Duration, len(pages)), "json": make([][]time.Duration, len(pages))}
			failed := map[int]bool{}
			for range postRounds {
				servers := map[string]*httptest.Server{}
				for form := range posted {
					_, servers[form] = benchServer(b, be)
				}
				for i, p := range pages {
					start := time.Now()
					bare(p.HTML, urls[i])
					parse[i] = append(parse[i], time.Since(start))
					for _, form := range []string{"text/html", "json"} {
						start := time.Now()
						var err error
						if form == "json" {
							_, err = postJSONPage(client, servers[form].URL, p.URL, p.HTML)
						} else {
							_, err = postPage(client, servers[form].URL, p.URL, p.HTML)
						}
						posted[form][i] = append(posted[form][i], time.Since(start))
						if err != nil {
							failed[i] = true // not an article, or another site's: no lookup to compare
						}
					}
				}
				for _, ts := range servers {
					ts.Close()
				}
			}
			for _, form := range []string{"text/html", "json"} {
				var ratios []float64
				for i := range pages {
					if failed[i] {
						continue
					}
					// The parse and the lookup of one round ran one after the other,
					// under the same load: their ratio is steadier than a ratio of
					// medians taken over rounds.
					var r []float64
					for k := range parse[i] {
						r = append(r, float64(posted[form][i][k])/float64(parse[i][k]))
					}
					ratios = append(ratios, median(r))
				}
				slices.Sort(ratios)
				med, p90 := median(ratios), ratios[len(ratios)*9/10]
				fmt.Fprintf(&out, "  %-9s %-9s posted lookup / bare parse: median %.2fx, p90 %.2fx (%d pages answered)\n", be.name, form, med, p90, len(ratios))
				b.ReportMetric(med, be.name+"_"+strings.ReplaceAll(form, "/", "_")+"/parse")
			}
		}
		b.Log("\n" + out.String())
	}
}

// bare is the baseline: readability's own parse of a page, nothing else.
func bare(page []byte, u *url.URL) {
	p := readability.NewParser()
	p.Logger = slog.New(slog.DiscardHandler)
	_, _ = p.Parse(bytes.NewReader(page), u) // a page that is no article costs its parse all the same
}

// benchClient keeps up to benchConns connections open to each server.
func benchClient() *http.Client {
	return &http.Client{
		Timeout: time.Minute,
		Transport: &http.Transport{
			MaxIdleConnsPerHost: benchConns,
			MaxConnsPerHost:     benchConns,
			DisableCompression:  true,
		},
	}
}

// postPage posts a page as the extension does and returns the article's canonical URL.
func postPage(client *http.Client, base, pageURL string, page []byte) (string, error) {
	resp, err := client.Post(base+"/api/v1/lookup?url="+url.QueryEscape(pageURL), "text/html; charset=utf-8", bytes.NewReader(page))
	if err != nil {
		return "", err
	}
	return canonicalOf(resp)
}

// postJSONPage posts a page inside a JSON body.
func postJSONPage(client *http.Client, base, pageURL string, page []byte) (string, error) {
	body, err := json.Marshal(map[string]string{"url": pageURL, "html": string(page)})
	if err != nil {
		return "", err
	}
	resp, err := client.Post(base+"/api/v1/lookup", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	return canonicalOf(resp)
}

func canonicalOf(resp *http.Response) (string, error) {
	defer resp.Body.Close()
	var answer struct {
		Article struct {
			CanonicalURL string `json:"canonical_url"`
		} `json:"article"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	return answer.Article.CanonicalURL, nil
}

// oneGetHandler is the floor an indexed lookup is compared with: a minimal Echo
// application whose one route reads one value from the store.
func oneGetHandler(st *store.Redis) *echo.Echo {
	e := echo.New()
	e.GET("/get", func(c *echo.Context) error {
		v, err := st.Probe(c.Request().Context())
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "application/octet-stream", v)
	})
	return e
}

// helloHandler is Echo's own floor: no store at all.
func helloHandler() *echo.Echo {
	e := echo.New()
	e.GET("/", func(c *echo.Context) error { return c.String(http.StatusOK, "Hello, World!") })
	return e
}

// throughput runs benchConns closed loops of GETs over urls, in turn, for
// benchWarm and then benchWindow, and returns the requests answered 200 per second
// of the window. Any other answer fails it.
func throughput(client *http.Client, urls []string) (float64, error) {
	run := func(d time.Duration) (int64, error) {
		deadline := time.Now().Add(d)
		var done atomic.Int64
		var next atomic.Int64
		var mu sync.Mutex
		var first error
		var wg sync.WaitGroup
		for range benchConns {
			wg.Go(func() {
				for time.Now().Before(deadline) {
					u := urls[int(next.Add(1))%len(urls)]
					resp, err := client.Get(u)
					if err == nil {
						_, err = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if err == nil && resp.StatusCode != http.StatusOK {
							err = fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
						}
					}
					if err != nil {
						mu.Lock()
						if first == nil {
							first = err
						}
						mu.Unlock()
						return
					}
					if time.Now().Before(deadline) {
						done.Add(1)
					}
				}
			})
		}
		wg.Wait()
		return done.Load(), first
	}
	if _, err := run(benchWarm); err != nil {
		return 0, err
	}
	n, err := run(benchWindow)
	return float64(n) / benchWindow.Seconds(), err
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// figures prints the rounds' rates.
func figures(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(parts, " ")
}
