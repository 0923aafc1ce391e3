package stories

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/outlets"
)

// registry builds a FactsFunc from "id=bias/factuality/ownership" specs.
func registry(specs ...string) FactsFunc {
	m := map[string]OutletFacts{}
	for _, s := range specs {
		id, rest, _ := strings.Cut(s, "=")
		parts := strings.Split(rest, "/")
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		m[id] = OutletFacts{Bias: outlets.Bias(parts[0]), Factuality: outlets.Factuality(parts[1]), Ownership: outlets.Ownership(parts[2])}
	}
	return func(id string) (OutletFacts, bool) { f, ok := m[id]; return f, ok }
}

// outletsOf returns n sources named prefix0..prefixN-1.
func outletsOf(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

func specs(prefix, facts string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d=%s", prefix, i, facts)
	}
	return out
}

func TestBlindspotOf(t *testing.T) {
	t.Parallel()
	var all []string
	all = append(all, specs("r", "right/high", 10)...)
	all = append(all, specs("rl", "right/mixed", 10)...)
	all = append(all, specs("l", "lean-left/high", 10)...)
	all = append(all, specs("c", "center/very-high", 10)...)
	all = append(all, specs("u", "", 10)...)
	all = append(all, specs("rn", "far-right/", 10)...)
	facts := registry(all...)
	join := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name    string
		sources []string
		want    outlets.Side // "" for no blindspot
	}{
		{"right only, five rated", outletsOf("r", 5), outlets.SideLeft},
		{"four rated is too few", outletsOf("r", 4), ""},
		{"unrated outlets do not count toward five", join(outletsOf("r", 4), outletsOf("u", 5)), ""},
		{"left only", outletsOf("l", 6), outlets.SideRight},
		{"one left in ten still a blindspot", join(outletsOf("r", 9), outletsOf("l", 1)), outlets.SideLeft},
		{"two left in ten is not", join(outletsOf("r", 8), outletsOf("l", 2)), ""},
		{"right under 60 percent is not", join(outletsOf("r", 5), outletsOf("c", 4)), ""},
		{"right at 60 percent is", join(outletsOf("r", 6), outletsOf("c", 4)), outlets.SideLeft},
		{"covered by the center", outletsOf("c", 8), ""},
		{"balanced", join(outletsOf("r", 3), outletsOf("l", 3)), ""},
		{"factuality gate: covering side median mixed", outletsOf("rl", 6), ""},
		{"factuality gate: median of an even count takes the worse", join(outletsOf("r", 3), outletsOf("rl", 3)), ""},
		{"factuality gate: mostly high passes", join(outletsOf("r", 4), outletsOf("rl", 3)), outlets.SideLeft},
		{"covering side without factuality ratings", outletsOf("rn", 5), outlets.SideLeft},
		{"an outlet counts once", join(outletsOf("r", 4), outletsOf("r", 4)), ""},
		{"unknown outlets are unrated", join(outletsOf("r", 4), []string{"domain:a.example", "domain:b.example"}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := BlindspotOf(tt.sources, facts)
			switch {
			case tt.want == "" && got != nil:
				t.Errorf("blindspot %+v, want none", got)
			case tt.want != "" && got == nil:
				t.Errorf("no blindspot, want one for the %s", tt.want)
			case got != nil && (got.Side != tt.want || got.Reason == ""):
				t.Errorf("blindspot %+v, want side %s with a reason", got, tt.want)
			}
		})
	}
	got := BlindspotOf(join(outletsOf("r", 9), outletsOf("l", 1)), facts)
	if want := "9 of the 10 rated outlets covering this story lean right and one lean left"; got == nil || !strings.HasPrefix(got.Reason, want) {
		t.Errorf("reason %+v, want it to start %q", got, want)
	}
}

func TestMedianFactuality(t *testing.T) {
	t.Parallel()
	f := func(s ...string) []outlets.Factuality {
		out := make([]outlets.Factuality, len(s))
		for i, v := range s {
			out[i] = outlets.Factuality(v)
		}
		return out
	}
	tests := []struct {
		in    []outlets.Factuality
		want  outlets.Factuality
		known bool
	}{
		{nil, "", false},
		{f("", ""), "", false},
		{f("high"), outlets.High, true},
		{f("very-high", "low"), outlets.Low, true},
		{f("very-high", "high", "mixed"), outlets.High, true},
		{f("mixed", "", "very-high", "high", "high"), outlets.High, true},
	}
	for _, tt := range tests {
		got, known := MedianFactuality(tt.in)
		if got != tt.want || known != tt.known {
			t.Errorf("MedianFactuality(%v) = %q %v, want %q %v", tt.in, got, known, tt.want, tt.known)
		}
	}
}

func TestDistributions(t *testing.T) {
	t.Parallel()
	facts := registry("a=left/high/corporation", "b=right/mixed/billionaire", "c=center/high/public-broadcaster", "d=center//", "e=right/very-high/corporation")
	sources := []string{"a", "b", "c", "d", "e", "a", "domain:x.example"}
	got := fmt.Sprint(FactualityOf(sources, facts))
	if want := "[{very-high 1} {high 2} {mixed 1} {unrated 2}]"; got != want {
		t.Errorf("FactualityOf = %s, want %s", got, want)
	}
	got = fmt.Sprint(OwnershipOf(sources, facts))
	if want := "[{corporation 2} {billionaire 1} {public-broadcaster 1} {unknown 2}]"; got != want {
		t.Errorf("OwnershipOf = %s, want %s", got, want)
	}
	if got := FactualityOf(nil, facts); got == nil || len(got) != 0 {
		t.Errorf("FactualityOf(nil) = %#v, want an empty list", got)
	}
}

func TestTimelineOf(t *testing.T) {
	t.Parallel()
	facts := registry("l=left", "c=center", "r=right")
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	art := func(outlet, published string) Article {
		return Article{OutletID: outlet, Domain: "x.example", Published: at(published)}
	}
	tests := []struct {
		name          string
		articles      []Article
		bucket        time.Duration
		buckets       int
		firstLeft     string
		lastBucketSum int
	}{
		{"breaking: hourly", []Article{
			art("r", "2026-11-20T08:10:00Z"), art("c", "2026-11-20T09:30:00Z"), art("l", "2026-11-20T12:59:00Z"), art("r", "2026-11-20T12:01:00Z"),
		}, time.Hour, 5, "2026-11-20T12:59:00Z", 2},
		{"a week: six-hourly", []Article{
			art("l", "2026-11-20T08:00:00Z"), art("r", "2026-11-27T07:00:00Z"),
		}, 6 * time.Hour, 29, "2026-11-20T08:00:00Z", 1},
		{"a year: fortnightly and bounded", []Article{
			art("l", "2025-11-20T08:00:00Z"), art("r", "2026-11-20T08:00:00Z"),
		}, 14 * 24 * time.Hour, 27, "2025-11-20T08:00:00Z", 1},
		{"longer than the widest buckets hold: the last takes the rest", []Article{
			art("l", "2022-11-20T08:00:00Z"), art("r", "2026-11-20T08:00:00Z"), art("c", "2026-10-01T08:00:00Z"),
		}, 30 * 24 * time.Hour, maxBuckets, "2022-11-20T08:00:00Z", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tl := TimelineOf(tt.articles, facts)
			if tl.Bucket != tt.bucket || len(tl.Buckets) != tt.buckets || len(tl.Buckets) > maxBuckets {
				t.Fatalf("bucket %s × %d, want %s × %d", tl.Bucket, len(tl.Buckets), tt.bucket, tt.buckets)
			}
			if got := tl.First[outlets.SideLeft]; !got.Equal(at(tt.firstLeft)) {
				t.Errorf("left first reported %s, want %s", got, tt.firstLeft)
			}
			total := 0
			for i, b := range tl.Buckets {
				total += b.Left + b.Center + b.Right + b.Unrated
				if i > 0 && !b.Start.Equal(tl.Buckets[i-1].Start.Add(tl.Bucket)) {
					t.Errorf("bucket %d starts %s, not a bucket after the one before", i, b.Start)
				}
			}
			if total != len(tt.articles) {
				t.Errorf("%d articles in the buckets, want %d", total, len(tt.articles))
			}
			last := tl.Buckets[len(tl.Buckets)-1]
			if sum := last.Left + last.Center + last.Right + last.Unrated; sum != tt.lastBucketSum {
				t.Errorf("last bucket holds %d articles, want %d", sum, tt.lastBucketSum)
			}
		})
	}
	if tl := TimelineOf(nil, facts); len(tl.Buckets) != 0 || len(tl.First) != 0 {
		t.Errorf("timeline of no articles: %+v", tl)
	}
}

func TestBalanceSentence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		b    Balance
		want string
	}{
		{Balance{}, "No outlets yet."},
		{Balance{Unrated: 3}, "None of the 3 outlets is rated, so there is no balance to show."},
		{Balance{Left: 2, Rated: 2, Unrated: 2}, "Based on 2 of 4 outlets; 2 are unrated."},
		{Balance{Left: 2, Right: 5, Rated: 7, Unrated: 1}, "Based on 7 of 8 outlets; 1 is unrated."},
		{Balance{Center: 3, Rated: 3}, "Based on all 3 outlets, each counted once."},
	}
	for _, tt := range tests {
		if got := BalanceSentence(tt.b); got != tt.want {
			t.Errorf("BalanceSentence(%+v) = %q, want %q", tt.b, got, tt.want)
		}
	}
}

func TestFirstPublishedAndSources(t *testing.T) {
	t.Parallel()
	t1 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	arts := []Article{
		{OutletID: "a", Added: t1.Add(-time.Hour)},
		{OutletID: "b", Published: t1.Add(time.Hour)},
		{OutletID: "a", Published: t1},
		{Domain: "x.example", Published: t1.Add(2 * time.Hour)},
	}
	if got := FirstPublished(arts); !got.Equal(t1) {
		t.Errorf("FirstPublished = %s, want %s (publication, not when seen)", got, t1)
	}
	if got := fmt.Sprint(Sources(arts)); got != "[a b domain:x.example]" {
		t.Errorf("Sources = %s", got)
	}
}
