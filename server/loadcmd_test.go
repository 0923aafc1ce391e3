package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestLoopbackTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		target, want string // want "" means refused
	}{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://localhost:9000/api/v1", "http://localhost:9000"},
		{"http://[::1]:8080", "http://[::1]:8080"},
		{"http://127.0.0.1", "http://127.0.0.1:80"},
		{"http://127.5.6.7:8080", "http://127.5.6.7:8080"},
		{"http://10.0.0.1:8080", ""},
		{"http://example.com:8080", ""},
		{"http://localhost.example.com", ""},
		{"http://0.0.0.0:8080", ""},
		{"ftp://127.0.0.1", ""},
		{"127.0.0.1:8080", ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			t.Parallel()
			u, err := loopbackTarget(tt.target)
			switch {
			case tt.want == "" && err == nil:
				t.Errorf("loopbackTarget(%q) = %v, want refused", tt.target, u)
			case tt.want != "" && err != nil:
				t.Errorf("loopbackTarget(%q): %v", tt.target, err)
			case tt.want != "" && u.String() != tt.want:
				t.Errorf("loopbackTarget(%q) = %v, want %s", tt.target, u, tt.want)
			}
		})
	}
}

// TestArrivals: an open-loop phase sends rate×duration requests at i/rate,
// bounded by maxLoadRequests.
func TestArrivals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rate float64
		d    time.Duration
		n    int
		// at is when request i leaves.
		i  int
		at time.Duration
	}{
		{10, 30 * time.Second, 300, 299, 29_900 * time.Millisecond},
		{153, 20 * time.Second, 3060, 153, time.Second},
		{0.5, 10 * time.Second, 5, 1, 2 * time.Second},
		{2000, 5 * time.Minute, maxLoadRequests, 1, 500 * time.Microsecond},
	}
	for _, tt := range tests {
		if got := arrivals(tt.rate, tt.d); got != tt.n {
			t.Errorf("arrivals(%v, %s) = %d, want %d", tt.rate, tt.d, got, tt.n)
		}
		if got := arrivalTime(tt.i, tt.rate); got != tt.at {
			t.Errorf("arrivalTime(%d, %v) = %s, want %s", tt.i, tt.rate, got, tt.at)
		}
	}
}

// TestMixKind: the GETs are the given share of every stretch of requests, not
// bunched at one end.
func TestMixKind(t *testing.T) {
	t.Parallel()
	for _, share := range []float64{0, 0.25, 0.8, 1} {
		gets := 0
		for i := range 1000 {
			if mixKind(i, share) == kindGet {
				gets++
			}
			// Every prefix holds floor((i+1)·share) GETs.
			if want := int(float64(i+1) * share); gets != want {
				t.Fatalf("share %v: %d GETs in the first %d requests, want %d", share, gets, i+1, want)
			}
		}
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		{"none", nil, 0.99, 0},
		{"one", ms(7), 0.5, 7 * time.Millisecond},
		{"median of four", ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{"p99 of 100", ms(hundred...), 0.99, 99 * time.Millisecond},
		{"p50 of 100", ms(hundred...), 0.5, 50 * time.Millisecond},
		{"p99 of 10 is the max", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0.99, 10 * time.Millisecond},
		{"q 0 is the min", ms(3, 4), 0, 3 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := percentile(tt.sorted, tt.q); got != tt.want {
			t.Errorf("%s: percentile = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		body   string
		want   string
	}{
		{http.StatusOK, `{"article":{}}`, ""},
		{http.StatusServiceUnavailable, `{"error":{"code":"busy","message":"..."}}`, "503 busy"},
		{http.StatusTooManyRequests, `{"error":{"code":"rate_limited","message":"..."}}`, "429 rate_limited"},
		{http.StatusServiceUnavailable, `{"error":{"code":"store_unavailable","message":"..."}}`, "503 store_unavailable"},
		{http.StatusBadGateway, `<html>proxy error</html>`, "502"},
		{http.StatusInternalServerError, ``, "500"},
	}
	for _, tt := range tests {
		if got := classify(tt.status, []byte(tt.body)); got != tt.want {
			t.Errorf("classify(%d, %s) = %q, want %q", tt.status, tt.body, got, tt.want)
		}
	}
}

// TestSummarizeAndAcceptance: latencies count only for accepted requests, errors
// by class, and the 2x acceptance names each goal missed.
func TestSummarizeAndAcceptance(t *testing.T) {
	t.Parallel()
	ok := func(k loadKind, ms int) loadResult {
		return loadResult{kind: k, latency: time.Duration(ms) * time.Millisecond}
	}
	one := summarize([]loadResult{ok(kindGet, 2), ok(kindGet, 3), ok(kindPost, 40), ok(kindPost, 50)}, 10, time.Second)
	if one.Accepted != 4 || one.AcceptedGet != 2 || one.P50 != 3*time.Millisecond || one.P99 != 50*time.Millisecond || one.P99Get != 3*time.Millisecond {
		t.Fatalf("1x summary = %+v", one)
	}
	good := summarize([]loadResult{ok(kindGet, 2), ok(kindPost, 140), {kind: kindPost, latency: time.Millisecond, class: "503 busy"}}, 20, time.Second)
	if f := acceptance(one, good); len(f) != 0 {
		t.Errorf("acceptance of a good 2x = %q, want none missed", f)
	}
	bad := summarize([]loadResult{
		ok(kindGet, 2), ok(kindPost, 151),
		{kind: kindPost, latency: 11 * time.Second, class: "503 store_unavailable"},
	}, 20, time.Second)
	if bad.Errors["503 store_unavailable"] != 1 || bad.Slow != 1 || bad.Max != 151*time.Millisecond {
		t.Fatalf("2x summary = %+v", bad)
	}
	f := acceptance(one, bad)
	if len(f) != 3 || !strings.Contains(f[0], "store_unavailable") || !strings.Contains(f[1], "p99") || !strings.Contains(f[2], "over 10s") {
		t.Errorf("acceptance of a bad 2x = %q, want the error class, the p99 and the slow request", f)
	}
	var out bytes.Buffer
	printStats(&out, "2x", bad)
	if !strings.Contains(out.String(), "503 store_unavailable") || !strings.Contains(out.String(), "p99 151ms") {
		t.Errorf("printStats =\n%s", out.String())
	}
}

func TestFreshURLAndCanonical(t *testing.T) {
	t.Parallel()
	if got, want := freshURL("https://www.bbc.com/news/world-1?x=1#top", "r1", 7), "https://www.bbc.com/news/world-1/parallax-load-r1-7"; got != want {
		t.Errorf("freshURL = %s, want %s", got, want)
	}
	page := `<link rel="canonical" href="https://a.example/x"><meta property="og:url" content="https://a.example/x">`
	if got := withoutCanonical(page); strings.Contains(got, `rel="canonical"`) || strings.Contains(got, `"og:url"`) {
		t.Errorf("withoutCanonical left the declared URL: %s", got)
	}
}

func TestProcReaders(t *testing.T) {
	t.Parallel()
	status := "Name:\tparallax\nVmPeak:\t  900000 kB\nVmRSS:\t   81234 kB\nThreads:\t9\n"
	if kib, err := parseVmRSS(strings.NewReader(status)); err != nil || kib != 81234 {
		t.Errorf("parseVmRSS = %d, %v; want 81234", kib, err)
	}
	// Port 18413 is 47ED; one listening socket, one connected one on the same port.
	tcp := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:47ED 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 424242 1 0000000000000000 100 0 0 10 0
   1: 0100007F:47ED 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 434343 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 444444 1 0000000000000000 100 0 0 10 0
`
	if got := listeningInodes(strings.NewReader(tcp), 18413); len(got) != 1 || got[0] != "424242" {
		t.Errorf("listeningInodes = %v, want [424242]", got)
	}
}
