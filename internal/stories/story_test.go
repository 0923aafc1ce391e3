package stories

import (
	"testing"

	"github.com/parallax-news/parallax/internal/outlets"
)

func TestBalanceOf(t *testing.T) {
	biases := map[string]outlets.Bias{
		"guardian": outlets.LeanLeft, "jacobin": outlets.FarLeft, "nyt": outlets.LeanLeft,
		"bbc": outlets.Center, "reuters": outlets.Center,
		"fox": outlets.Right, "breitbart": outlets.FarRight, "wsj": outlets.LeanRight,
		"new-blog": "",
	}
	bias := func(id string) outlets.Bias { return biases[id] }
	art := func(outlet, domain string) Article { return Article{OutletID: outlet, Domain: domain} }
	tests := []struct {
		name     string
		articles []Article
		want     Balance
	}{
		{"empty", nil, Balance{}},
		{"one of each side", []Article{art("guardian", "theguardian.com"), art("bbc", "bbc.co.uk"), art("fox", "foxnews.com")},
			Balance{Left: 1, Center: 1, Right: 1, Rated: 3, LeftPct: 34, CenterPct: 33, RightPct: 33}},
		{"an outlet counts once", []Article{art("fox", "foxnews.com"), art("fox", "foxnews.com"), art("fox", "foxnews.com"), art("bbc", "bbc.co.uk")},
			Balance{Center: 1, Right: 1, Rated: 2, CenterPct: 50, RightPct: 50}},
		{"far and lean fold into sides", []Article{art("jacobin", "jacobin.com"), art("nyt", "nytimes.com"), art("breitbart", "breitbart.com"), art("wsj", "wsj.com")},
			Balance{Left: 2, Right: 2, Rated: 4, LeftPct: 50, RightPct: 50}},
		{"unknown domains are unrated, once per domain", []Article{art("", "a.example"), art("", "a.example"), art("", "b.example"), art("reuters", "reuters.com")},
			Balance{Center: 1, Unrated: 2, Rated: 1, CenterPct: 100}},
		{"registered but unrated outlet", []Article{art("new-blog", "blog.example"), art("bbc", "bbc.co.uk")},
			Balance{Center: 1, Unrated: 1, Rated: 1, CenterPct: 100}},
		{"nothing rated", []Article{art("", "a.example"), art("new-blog", "blog.example")},
			Balance{Unrated: 2}},
		{"thirds round to 100", []Article{art("guardian", "g"), art("nyt", "n"), art("bbc", "b"), art("reuters", "r"), art("fox", "f"), art("wsj", "w"), art("breitbart", "x")},
			Balance{Left: 2, Center: 2, Right: 3, Rated: 7, LeftPct: 29, CenterPct: 28, RightPct: 43}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BalanceOf(tt.articles, bias)
			if got != tt.want {
				t.Errorf("BalanceOf = %+v, want %+v", got, tt.want)
			}
			if got.Rated > 0 && got.LeftPct+got.CenterPct+got.RightPct != 100 {
				t.Errorf("percentages sum to %d", got.LeftPct+got.CenterPct+got.RightPct)
			}
		})
	}
}

func TestPercentagesAlwaysSumTo100(t *testing.T) {
	for l := 0; l <= 12; l++ {
		for c := 0; c <= 12; c++ {
			for r := 0; r <= 12; r++ {
				total := l + c + r
				p := percentages(total, l, c, r)
				sum := p[0] + p[1] + p[2]
				if total > 0 && sum != 100 || total == 0 && sum != 0 {
					t.Fatalf("percentages(%d, %d, %d) = %v", l, c, r, p)
				}
				for i, n := range []int{l, c, r} {
					exact := float64(n) * 100 / float64(max(total, 1))
					if d := float64(p[i]) - exact; d >= 1 || d <= -1 {
						t.Fatalf("percentages(%d, %d, %d) = %v: part %d off by %.2f", l, c, r, p, i, d)
					}
				}
			}
		}
	}
}

func TestOutletCounts(t *testing.T) {
	arts := []Article{
		{OutletID: "ap", Domain: "apnews.com"},
		{OutletID: "local1", Domain: "l1.example", DuplicateOf: "https://apnews.com/x"},
		{OutletID: "local2", Domain: "l2.example", DuplicateOf: "https://apnews.com/x"},
		{OutletID: "local2", Domain: "l2.example"},
		{Domain: "unknown.example", DuplicateOf: "https://apnews.com/x"},
	}
	if n := OutletCount(arts); n != 4 {
		t.Errorf("OutletCount = %d, want 4", n)
	}
	// ap wrote it; local2 also has an article of its own; local1 and unknown only copied.
	if n := IndependentOutlets(arts); n != 2 {
		t.Errorf("IndependentOutlets = %d, want 2", n)
	}
}
