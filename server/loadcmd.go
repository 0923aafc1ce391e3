package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/parallax-news/parallax/internal/corpus"
)

// Bounds of one `parallax load` run: it is a measuring tool for a server on this
// machine, never a way to flood one.
const (
	maxLoadRate     = 2000             // requests per second
	maxLoadDuration = 5 * time.Minute  // one phase
	maxLoadRequests = 200_000          // one phase
	maxLoadInFlight = 2048             // requests awaiting an answer; beyond, arrivals are dropped and counted
	loadTimeout     = 15 * time.Second // one request; over slowRequest is what the acceptance counts
	slowRequest     = 10 * time.Second
	maxFindSteps    = 12
	// findP99Floor is a p99 that never counts as degraded in -find: on a busy
	// machine a few tens of milliseconds come and go with the other processes.
	findP99Floor = 250 * time.Millisecond
	// maxLoadBody bounds what is read of an answer: a lookup's JSON is a few
	// kilobytes, a story's coverage list at most tens.
	maxLoadBody = 1 << 20
)

// loadKind is what one request of the mix is.
type loadKind int

const (
	kindGet  loadKind = iota // GET /api/v1/lookup?url= of an indexed article
	kindPost                 // POST /api/v1/lookup of a page under a URL not yet indexed
)

// loadPage is one page the load posts: its URL and HTML.
type loadPage struct {
	URL  string
	HTML string
}

// loadResult is what one request came to.
type loadResult struct {
	kind    loadKind
	latency time.Duration
	class   string // "" when accepted (200), else e.g. "503 busy", "transport: timeout"
}

// loadStats summarises one phase.
type loadStats struct {
	Rate                 float64 // offered, per second
	Duration             time.Duration
	Sent, Accepted       int
	AcceptedGet          int
	AcceptedPost         int
	Errors               map[string]int
	P50, P99, Max        time.Duration // of accepted requests
	P99Get, P99Post      time.Duration
	Slow                 int   // requests, accepted or not, that took over slowRequest
	RSSMaxKiB, RSSEndKiB int64 // the server's resident memory; 0 when unknown
}

func runLoad(args []string, env *environment) int {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	target := fs.String("target", "http://127.0.0.1:8080", "base URL of the server to drive: loopback only")
	rate := fs.Float64("rate", 10, "requests per second, at fixed arrival times whatever the answers (open loop)")
	duration := fs.Duration("duration", 30*time.Second, "how long to send (at most 5m)")
	getShare := fs.Float64("get-share", 0.8, "share of the requests that are GETs of indexed articles; the rest POST pages under new URLs")
	pagesDir := fs.String("pages", "", "folder of pages in the article-extraction layout (ground-truth.json, html/<id>.html.gz); default the shared data set")
	token := fs.String("token", "", "API token to send, when the server requires one")
	pid := fs.Int("pid", 0, "process id of the server, for its memory (default: the process listening on the target's port, when this user may see it)")
	find := fs.Bool("find", false, "find the rate the server sustains (ramping up from -rate by half each step until errors, or a p99 over 250ms and 3x the first step's), then run at 1x and 2x that rate for -duration each")
	step := fs.Duration("step", 10*time.Second, "with -find, how long each rate of the ramp runs")
	fs.Usage = func() {
		fmt.Fprint(env.stderr, `usage: parallax load [-target URL] [-rate N] [-duration D] [-find]

Drives a running Parallax server on this machine with a fixed arrival rate of
lookups: GETs of articles it first indexes by posting real pages, and POSTs of
those pages under new URLs. Prints the offered and accepted rates, the errors
by status and code, the latency of accepted requests and the server's memory.
Start the server with PARALLAX_CLIENT_RATE=0, or the per-client limit, not the
admission gate, is what gets measured.

`)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	base, err := loopbackTarget(*target)
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax load:", err)
		return 2
	}
	if *rate <= 0 || *rate > maxLoadRate || math.IsNaN(*rate) {
		fmt.Fprintf(env.stderr, "parallax load: -rate must be above 0 and at most %d\n", maxLoadRate)
		return 2
	}
	if *duration <= 0 || *duration > maxLoadDuration || *step <= 0 || *step > maxLoadDuration {
		fmt.Fprintf(env.stderr, "parallax load: -duration and -step must be above 0 and at most %s\n", maxLoadDuration)
		return 2
	}
	if *getShare < 0 || *getShare > 1 || math.IsNaN(*getShare) {
		fmt.Fprintln(env.stderr, "parallax load: -get-share must be from 0 to 1")
		return 2
	}
	pages, err := readLoadPages(env.getenv, *pagesDir)
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax load:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	l := &loader{
		base:  base,
		token: *token,
		pages: pages,
		run:   strconv.FormatInt(time.Now().UnixNano(), 36),
		client: &http.Client{
			Timeout: loadTimeout,
			Transport: &http.Transport{
				MaxIdleConns:        maxLoadInFlight,
				MaxIdleConnsPerHost: maxLoadInFlight,
				IdleConnTimeout:     30 * time.Second,
			},
		},
		pid: *pid,
	}
	if l.pid == 0 {
		l.pid = pidListening(base.Port())
	}
	fmt.Fprintf(env.stdout, "indexing %d pages at %s ...\n", len(pages), base)
	indexed, err := l.warmUp(ctx)
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax load:", err)
		return 1
	}
	if len(indexed) == 0 {
		fmt.Fprintln(env.stderr, "parallax load: the server indexed none of the pages")
		return 1
	}
	l.indexed = indexed
	fmt.Fprintf(env.stdout, "%d pages indexed; server pid %s\n\n", len(indexed), pidText(l.pid))

	if !*find {
		s := l.phase(ctx, *rate, *duration, *getShare)
		printStats(env.stdout, fmt.Sprintf("%.0f/s", *rate), s)
		return 0
	}
	sustained, ok := l.findRate(ctx, env.stdout, *rate, *step, *getShare)
	if !ok {
		fmt.Fprintf(env.stdout, "the server did not sustain even %.0f/s; start lower\n", *rate)
		return 1
	}
	fmt.Fprintf(env.stdout, "\nsustained rate: %.0f/s; running 1x and 2x for %s each\n\n", sustained, *duration)
	one := l.phase(ctx, sustained, *duration, *getShare)
	printStats(env.stdout, fmt.Sprintf("1x %.0f/s", sustained), one)
	two := l.phase(ctx, 2*sustained, *duration, *getShare)
	printStats(env.stdout, fmt.Sprintf("2x %.0f/s", 2*sustained), two)
	fails := acceptance(one, two)
	for _, f := range fails {
		fmt.Fprintln(env.stdout, "acceptance MISSED:", f)
	}
	if len(fails) > 0 {
		return 1
	}
	fmt.Fprintln(env.stdout, "acceptance met: at 2x only 503 busy and 429 as errors, p99 of accepted within 3x of 1x, none over 10s")
	return 0
}

// loopbackTarget checks that the target is an http URL of this machine: the
// command must not be turned on anybody else's server.
func loopbackTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-target %q is not an http(s) URL", raw)
	}
	host := u.Hostname()
	if host != "localhost" {
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("-target %q is not a loopback address (127.0.0.1, [::1] or localhost): the load command only drives a server on this machine", raw)
		}
	}
	if u.Port() == "" {
		u.Host = net.JoinHostPort(host, map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	u.Path, u.RawQuery, u.Fragment = "", "", ""
	return u, nil
}

// readLoadPages reads the pages to post, from an article-extraction layout folder.
func readLoadPages(getenv func(string) string, dir string) ([]loadPage, error) {
	if dir == "" {
		d, err := corpus.Dir(getenv, "article-extraction")
		if err != nil {
			return nil, fmt.Errorf("no -pages given and %w", err)
		}
		dir = d
	}
	ps, err := corpus.LoadExtraction(dir)
	if err != nil {
		return nil, fmt.Errorf("pages from %s: %w", filepath.Clean(dir), err)
	}
	pages := make([]loadPage, len(ps))
	for i, p := range ps {
		pages[i] = loadPage{URL: p.URL, HTML: string(p.HTML)}
	}
	return pages, nil
}

// loader sends the requests of one run.
type loader struct {
	base    *url.URL
	token   string
	client  *http.Client
	pages   []loadPage
	indexed []string // URLs answered 200 at warm-up, for the GETs
	run     string   // makes this run's new URLs unlike any earlier run's
	pid     int
}

// warmUp posts every page under its own URL, two at a time, and returns the URLs
// the server indexed.
func (l *loader) warmUp(ctx context.Context) ([]string, error) {
	var (
		mu      sync.Mutex
		indexed []string
		wg      sync.WaitGroup
		sem     = make(chan struct{}, 2)
	)
	for _, p := range l.pages {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			// A server busy with the first pages answers 503 busy; a few tries
			// with its Retry-After pause get them in.
			for range 5 {
				class := l.send(ctx, kindPost, p.URL, p.HTML)
				if class == "" {
					mu.Lock()
					indexed = append(indexed, p.URL)
					mu.Unlock()
					return
				}
				if !strings.HasPrefix(class, "503") && !strings.HasPrefix(class, "429") {
					return // not an article, or refused: left out of the mix
				}
				time.Sleep(time.Second)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	slices.Sort(indexed)
	return indexed, nil
}

// phase sends requests at rate for d, open loop: request i leaves at i/rate
// whatever happened to the earlier ones, as readers do, so that a slow server
// meets the load it would meet rather than a politely waiting client.
func (l *loader) phase(ctx context.Context, rate float64, d time.Duration, getShare float64) loadStats {
	n := arrivals(rate, d)
	results := make([]loadResult, 0, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	inFlight := make(chan struct{}, maxLoadInFlight)
	rss := &rssSampler{pid: l.pid}
	stopRSS := rss.start()
	start := time.Now()
	sent := 0
	for i := range n {
		if wait := time.Until(start.Add(arrivalTime(i, rate))); wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
		if ctx.Err() != nil {
			break
		}
		sent++
		kind := mixKind(i, getShare)
		select {
		case inFlight <- struct{}{}:
		default:
			mu.Lock()
			results = append(results, loadResult{kind: kind, class: "client: over " + strconv.Itoa(maxLoadInFlight) + " in flight, not sent"})
			mu.Unlock()
			continue
		}
		wg.Go(func() {
			defer func() { <-inFlight }()
			var u, body string
			if kind == kindGet {
				u = l.indexed[i%len(l.indexed)]
			} else {
				p := l.pages[i%len(l.pages)]
				u, body = freshURL(p.URL, l.run, i), withoutCanonical(p.HTML)
			}
			t := time.Now()
			class := l.send(ctx, kind, u, body)
			r := loadResult{kind: kind, latency: time.Since(t), class: class}
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopRSS()
	s := summarize(results, rate, max(elapsed, d))
	s.Sent = sent
	s.RSSMaxKiB, s.RSSEndKiB = rss.max, rss.last
	return s
}

// findRate ramps the rate up by half each step from rate until a step shows
// errors, accepts under 95% of what it was offered, or has a p99 over both
// three times the first step's and findP99Floor, and returns the last rate
// before.
func (l *loader) findRate(ctx context.Context, w io.Writer, rate float64, step time.Duration, getShare float64) (float64, bool) {
	var base time.Duration
	good := 0.0
	for i := 0; i < maxFindSteps && rate <= maxLoadRate && ctx.Err() == nil; i++ {
		s := l.phase(ctx, rate, step, getShare)
		printStats(w, fmt.Sprintf("ramp %.0f/s", rate), s)
		if i == 0 {
			base = s.P99
		}
		errs := 0
		for _, n := range s.Errors {
			errs += n
		}
		if errs > 0 || float64(s.Accepted) < 0.95*float64(s.Sent) || s.P99 > max(3*base, findP99Floor) {
			break
		}
		good = rate
		rate = math.Round(rate * 1.5)
	}
	return good, good > 0
}

// send makes one lookup and classifies the answer ("" for 200).
func (l *loader) send(ctx context.Context, kind loadKind, articleURL, html string) string {
	var req *http.Request
	var err error
	if kind == kindGet {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, l.base.String()+"/api/v1/lookup?url="+url.QueryEscape(articleURL), nil)
	} else {
		var body []byte
		body, err = json.Marshal(lookupRequest{URL: articleURL, HTML: &html})
		if err == nil {
			req, err = http.NewRequestWithContext(ctx, http.MethodPost, l.base.String()+"/api/v1/lookup", bytes.NewReader(body))
		}
		if req != nil {
			// application/json and no Origin: a client outside the browser,
			// which the cross-site guard lets through.
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		return "client: " + err.Error()
	}
	if l.token != "" {
		req.Header.Set("Authorization", "Bearer "+l.token)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return transportClass(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxLoadBody))
	if err != nil {
		return transportClass(err)
	}
	return classify(resp.StatusCode, raw)
}

// classify names an answer: "" for 200, else its status and API error code.
func classify(status int, body []byte) string {
	if status == http.StatusOK {
		return ""
	}
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
		return strconv.Itoa(status) + " " + e.Error.Code
	}
	return strconv.Itoa(status)
}

// transportClass names a request that got no answer.
func transportClass(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "client: interrupted"
	case errors.As(err, &ne) && ne.Timeout():
		return "transport: timeout after " + loadTimeout.String()
	case errors.Is(err, syscall.ECONNREFUSED):
		return "transport: connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "transport: connection reset"
	}
	return "transport: other"
}

// arrivals is how many requests a phase of d at rate sends.
func arrivals(rate float64, d time.Duration) int {
	return min(int(math.Floor(rate*d.Seconds())), maxLoadRequests)
}

// arrivalTime is when, after the start, request i leaves.
func arrivalTime(i int, rate float64) time.Duration {
	return time.Duration(float64(i) / rate * float64(time.Second))
}

// mixKind spreads the GETs evenly through the phase: request i is a GET when
// the running count of GETs owed, floor((i+1)·share), goes up at i.
func mixKind(i int, getShare float64) loadKind {
	if math.Floor(float64(i+1)*getShare) > math.Floor(float64(i)*getShare) {
		return kindGet
	}
	return kindPost
}

// freshURL is a page's URL with a path of this run's own, so the server indexes
// it anew (the page's outlet is that of its host).
func freshURL(pageURL, run string, i int) string {
	u, err := url.Parse(pageURL)
	if err != nil {
		return pageURL
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/parallax-load-" + run + "-" + strconv.Itoa(i)
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}

// withoutCanonical unnames a page's declared URL (link rel=canonical, og:url), so
// that posted under a fresh URL it is a new article to the server rather than the
// one it declares, already indexed. Pages that name it some other way still cost
// the server an extraction.
func withoutCanonical(html string) string {
	r := strings.NewReplacer(`rel="canonical"`, `rel="x-canonical"`, `rel=canonical`, `rel=x-canonical`,
		`property="og:url"`, `property="x-og-url"`)
	return r.Replace(html)
}

// summarize computes a phase's figures from its results.
func summarize(results []loadResult, rate float64, d time.Duration) loadStats {
	s := loadStats{Rate: rate, Duration: d, Sent: len(results), Errors: map[string]int{}}
	var all, gets, posts []time.Duration
	for _, r := range results {
		if r.latency > slowRequest {
			s.Slow++
		}
		if r.class != "" {
			s.Errors[r.class]++
			continue
		}
		all = append(all, r.latency)
		if r.kind == kindGet {
			gets = append(gets, r.latency)
		} else {
			posts = append(posts, r.latency)
		}
	}
	s.Accepted, s.AcceptedGet, s.AcceptedPost = len(all), len(gets), len(posts)
	slices.Sort(all)
	slices.Sort(gets)
	slices.Sort(posts)
	s.P50, s.P99 = percentile(all, 0.50), percentile(all, 0.99)
	s.P99Get, s.P99Post = percentile(gets, 0.99), percentile(posts, 0.99)
	if len(all) > 0 {
		s.Max = all[len(all)-1]
	}
	return s
}

// percentile is the nearest-rank q-quantile of sorted durations: the smallest
// value with at least q of them at or below it; 0 for none.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// acceptance lists what a 2x phase misses of the admission goals, against 1x.
func acceptance(one, two loadStats) []string {
	var fails []string
	for class, n := range two.Errors {
		if !strings.HasPrefix(class, "503 busy") && !strings.HasPrefix(class, "429") {
			fails = append(fails, fmt.Sprintf("%d answers %q at 2x (only 503 busy and 429 are allowed)", n, class))
		}
	}
	slices.Sort(fails)
	if two.P99 > 3*one.P99 {
		fails = append(fails, fmt.Sprintf("p99 of accepted %s at 2x, over 3x its %s at 1x", roundMS(two.P99), roundMS(one.P99)))
	}
	if two.Slow > 0 {
		fails = append(fails, fmt.Sprintf("%d requests over %s at 2x", two.Slow, slowRequest))
	}
	return fails
}

// printStats writes one phase as a small table.
func printStats(w io.Writer, label string, s loadStats) {
	secs := s.Duration.Seconds()
	fmt.Fprintf(w, "%s for %s: offered %.1f/s, sent %d, accepted %d (%.1f/s: %d GETs, %d POSTs)\n",
		label, s.Duration.Round(100*time.Millisecond), s.Rate, s.Sent, s.Accepted, float64(s.Accepted)/secs, s.AcceptedGet, s.AcceptedPost)
	fmt.Fprintf(w, "  accepted latency: p50 %s  p99 %s  max %s  (p99 GET %s, POST %s); over %s: %d\n",
		roundMS(s.P50), roundMS(s.P99), roundMS(s.Max), roundMS(s.P99Get), roundMS(s.P99Post), slowRequest, s.Slow)
	classes := slices.Sorted(mapKeys(s.Errors))
	if len(classes) == 0 {
		fmt.Fprintln(w, "  errors: none")
	}
	for _, c := range classes {
		fmt.Fprintf(w, "  error %-40s %d\n", c, s.Errors[c])
	}
	if s.RSSMaxKiB > 0 {
		fmt.Fprintf(w, "  server RSS: max %d MiB, at the end %d MiB\n", s.RSSMaxKiB>>10, s.RSSEndKiB>>10)
	} else {
		fmt.Fprintln(w, "  server RSS: unknown (give -pid)")
	}
}

func mapKeys(m map[string]int) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// roundMS prints a duration to the millisecond (to 0.1 ms under 10 ms).
func roundMS(d time.Duration) string {
	if d < 10*time.Millisecond {
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

func pidText(pid int) string {
	if pid == 0 {
		return "unknown (give -pid for its memory)"
	}
	return strconv.Itoa(pid)
}

// rssSampler reads a process's resident memory once a second.
type rssSampler struct {
	pid       int
	max, last int64 // KiB
}

func (r *rssSampler) start() (stop func()) {
	if r.pid == 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	sample := func() {
		if kib, err := readRSS(r.pid); err == nil {
			r.last, r.max = kib, max(r.max, kib)
		}
	}
	sample()
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		sample()
	}
}

// readRSS returns a process's VmRSS in KiB from /proc (Linux).
func readRSS(pid int) (int64, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseVmRSS(f)
}

// parseVmRSS finds the "VmRSS:   1234 kB" line of a /proc/<pid>/status.
func parseVmRSS(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmRSS line")
}

// pidListening finds the process listening on a TCP port of this machine, from
// /proc/net/tcp{,6} and the processes' open files (Linux; 0 when not found or
// not this user's).
func pidListening(port string) int {
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return 0
	}
	inodes := map[string]bool{}
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		for _, ino := range listeningInodes(f, uint16(p)) {
			inodes["socket:["+ino+"]"] = true
		}
		f.Close()
	}
	if len(inodes) == 0 {
		return 0
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, d := range procs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		fds, err := os.ReadDir(filepath.Join("/proc", d.Name(), "fd"))
		if err != nil {
			continue // another user's process
		}
		for _, fd := range fds {
			if link, err := os.Readlink(filepath.Join("/proc", d.Name(), "fd", fd.Name())); err == nil && inodes[link] {
				return pid
			}
		}
	}
	return 0
}

// listeningInodes returns the socket inodes of a /proc/net/tcp table's
// listening sockets (state 0A) on port.
func listeningInodes(r io.Reader, port uint16) []string {
	var out []string
	sc := bufio.NewScanner(r)
	want := fmt.Sprintf(":%04X", port)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode
		if len(f) < 10 || f[3] != "0A" || !strings.HasSuffix(f[1], want) {
			continue
		}
		out = append(out, f[9])
	}
	return out
}
