package outlets

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/corpus"
)

// knownRaters are the raters whose verdicts the built-in registry records; see the
// Rating doc comment for how each one's scale maps onto ours.
var knownRaters = map[string]bool{"allsides": true, "adfontes": true, "mbfc": true}

// firstRatingYear is the earliest plausible as_of: none of the three raters published
// ratings before AllSides started in 2012.
const firstRatingYear = 2012

// medianBias is the consensus the bias field must equal: the median of the raters'
// scale positions. With an even count the two middle positions are averaged and a
// half-way result is rounded toward center, so two raters one step apart yield the
// milder of the two (lean-left and left give lean-left) and lean-left against
// lean-right gives center. The headline label is never more partisan than the raters'
// middle. It returns "" when no rating carries a bias.
func medianBias(ratings []Rating) Bias {
	var pos []int
	for _, r := range ratings {
		if r.Bias != "" {
			pos = append(pos, r.Bias.position())
		}
	}
	if len(pos) == 0 {
		return ""
	}
	slices.Sort(pos)
	n := len(pos)
	if n%2 == 1 {
		return biasOrder[pos[n/2]]
	}
	center := Center.position()
	sum := pos[n/2-1] + pos[n/2]
	switch {
	case sum%2 == 0:
		return biasOrder[sum/2]
	case sum < 2*center: // left of center: round up, toward center
		return biasOrder[sum/2+1]
	default: // right of center: round down, toward center
		return biasOrder[sum/2]
	}
}

// factualityOrder lists the factuality scale best first.
var factualityOrder = []Factuality{VeryHigh, High, MostlyFactual, Mixed, Low, VeryLow}

// medianFactuality is the consensus the factuality field must equal: the median of
// the raters' factuality verdicts, taking the less favourable of the two middle ones
// when the count is even, so a reader is never told an outlet is more reliable than
// half its raters say. It returns "" when no rating carries a factuality.
func medianFactuality(ratings []Rating) Factuality {
	var pos []int
	for _, r := range ratings {
		if r.Factuality != "" {
			pos = append(pos, slices.Index(factualityOrder, r.Factuality))
		}
	}
	if len(pos) == 0 {
		return ""
	}
	slices.Sort(pos)
	return factualityOrder[pos[len(pos)/2]]
}

func builtin(t *testing.T) *Registry {
	t.Helper()
	r, err := Builtin()
	if err != nil {
		t.Fatalf("Builtin: %v", err)
	}
	return r
}

// TestBuiltinFile checks the file itself, before New sorts and indexes it: it must be
// kept sorted by id (so diffs stay reviewable), and nothing may be lost on the way in.
func TestBuiltinFile(t *testing.T) {
	t.Parallel()
	list, err := decode(builtinJSON)
	if err != nil {
		t.Fatalf("decode outlets.json: %v", err)
	}
	for i := 1; i < len(list); i++ {
		if list[i-1].ID >= list[i].ID {
			t.Errorf("outlets.json not strictly sorted by id: %q comes before %q", list[i-1].ID, list[i].ID)
		}
	}
	if got := builtin(t).Len(); got != len(list) {
		t.Errorf("Len() = %d, file has %d records", got, len(list))
	}
}

// TestBuiltinRequired names the outlets whose articles appear in Parallax's test data
// and the ones most readers will click the extension on; losing one is a regression.
func TestBuiltinRequired(t *testing.T) {
	t.Parallel()
	r := builtin(t)
	for _, id := range []string{
		"fox-news", "new-york-times", "huffpost", "bbc-news", "cnn", "guardian", "reuters",
		"associated-press", "npr", "washington-post", "wall-street-journal", "usa-today",
		"nbc-news", "cbs-news", "abc-news", "abc-australia", "cbc-news", "globe-and-mail",
		"toronto-star", "national-post", "sydney-morning-herald", "the-age", "news-com-au",
		"the-australian", "irish-times", "rte", "irish-independent", "times-of-india",
		"hindustan-times", "the-hindu", "ndtv", "indian-express", "al-jazeera", "dw",
		"france-24", "bloomberg", "economist", "financial-times", "the-times", "telegraph",
		"independent", "sky-news", "daily-mail", "daily-mirror", "the-sun",
		"evening-standard", "politico", "the-hill", "axios", "breitbart", "daily-wire",
		"newsmax", "new-york-post", "washington-examiner", "washington-times",
		"national-review", "federalist", "daily-caller", "msnbc", "vox", "slate",
		"atlantic", "new-yorker", "mother-jones", "intercept", "time", "newsweek",
		"business-insider", "cnbc", "yahoo-news", "los-angeles-times", "chicago-tribune",
		"boston-globe", "daily-beast", "forbes", "pbs-newshour",
	} {
		if _, ok := r.ByID(id); !ok {
			t.Errorf("ByID(%q) not found", id)
		}
	}
}

// TestBuiltinRecords validates every record of the embedded registry on its own terms,
// independently of New's checks: required fields, enums, URLs and the bias consensus.
func TestBuiltinRecords(t *testing.T) {
	t.Parallel()
	r := builtin(t)
	thisYear := time.Now().Year()
	domainOwner := map[string]string{}
	for _, o := range r.All() {
		t.Run(o.ID, func(t *testing.T) {
			if o.Name == "" || o.Country == "" || len(o.Languages) == 0 || o.Owner == "" || o.Ownership == "" {
				t.Errorf("missing name, country, languages, owner or ownership: %+v", o)
			}
			if !o.Ownership.Valid() {
				t.Errorf("ownership %q invalid", o.Ownership)
			}
			if o.Bias != "" && !o.Bias.Valid() {
				t.Errorf("bias %q invalid", o.Bias)
			}
			if o.Factuality != "" && !o.Factuality.Valid() {
				t.Errorf("factuality %q invalid", o.Factuality)
			}
			if o.Paywall != "" && !o.Paywall.Valid() {
				t.Errorf("paywall %q invalid", o.Paywall)
			}
			for _, f := range o.Feeds {
				u, err := url.Parse(f)
				if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
					t.Errorf("feed %q is not an absolute http(s) URL (err %v)", f, err)
				}
			}
			// The homepage must lead back to the outlet, or the domain list is incomplete.
			if u, err := url.Parse(o.Homepage); err != nil || u.Host == "" {
				t.Errorf("homepage %q does not parse to a URL with a host (err %v)", o.Homepage, err)
			} else if got, ok := r.Lookup(u.Host); !ok || got.ID != o.ID {
				t.Errorf("Lookup(homepage host %q) = %q, %v; want %q", u.Host, got.ID, ok, o.ID)
			}
			for _, d := range o.Domains {
				if prev, dup := domainOwner[d]; dup {
					t.Errorf("domain %q also claimed by %q", d, prev)
				}
				domainOwner[d] = o.ID
				if got, ok := r.Lookup(d); !ok || got.ID != o.ID {
					t.Errorf("Lookup(%q) = %q, %v; want %q", d, got.ID, ok, o.ID)
				}
			}
			seen := map[string]bool{}
			for _, rt := range o.Ratings {
				if !knownRaters[rt.Rater] {
					t.Errorf("unknown rater %q", rt.Rater)
				}
				if seen[rt.Rater] {
					t.Errorf("rater %q appears twice", rt.Rater)
				}
				seen[rt.Rater] = true
				if rt.Bias == "" && rt.Factuality == "" {
					t.Errorf("rating by %s carries neither bias nor factuality", rt.Rater)
				}
				if rt.Bias != "" && !rt.Bias.Valid() {
					t.Errorf("rating by %s: bias %q invalid", rt.Rater, rt.Bias)
				}
				if rt.Factuality != "" && !rt.Factuality.Valid() {
					t.Errorf("rating by %s: factuality %q invalid", rt.Rater, rt.Factuality)
				}
				if rt.AsOf < firstRatingYear || rt.AsOf > thisYear {
					t.Errorf("rating by %s: as_of %d outside %d..%d", rt.Rater, rt.AsOf, firstRatingYear, thisYear)
				}
			}
			// An outlet's bias and factuality are the raters' consensus, never an
			// unsourced label of our own.
			if want := medianBias(o.Ratings); o.Bias != want {
				t.Errorf("bias = %q, median of ratings = %q", o.Bias, want)
			}
			if want := medianFactuality(o.Ratings); o.Factuality != want {
				t.Errorf("factuality = %q, median of ratings = %q", o.Factuality, want)
			}
		})
	}
}

func TestMedianBias(t *testing.T) {
	t.Parallel()
	rt := func(bs ...Bias) []Rating {
		var rs []Rating
		for _, b := range bs {
			rs = append(rs, Rating{Rater: "x", Bias: b})
		}
		return rs
	}
	tests := []struct {
		name    string
		ratings []Rating
		want    Bias
	}{
		{"none", nil, ""},
		{"factuality only", []Rating{{Rater: "mbfc", Factuality: High}}, ""},
		{"one", rt(Right), Right},
		{"three agree", rt(Left, Left, Left), Left},
		{"three spread", rt(FarRight, Center, LeanRight), LeanRight},
		{"two left of center", rt(Left, LeanLeft), LeanLeft},
		{"two straddling center on the left", rt(Center, LeanLeft), Center},
		{"two right of center", rt(FarRight, Right), Right},
		{"two opposite", rt(LeanLeft, LeanRight), Center},
		{"two far apart", rt(FarLeft, Center), LeanLeft},
		{"four", rt(Left, LeanLeft, Center, Right), Center},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := medianBias(tt.ratings); got != tt.want {
				t.Errorf("medianBias = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	r := builtin(t)
	deep := strings.Repeat("a.", 20) + "cnn.com"
	tests := []struct {
		name   string
		host   string
		wantID string // "" means no outlet
	}{
		{"subdomain by suffix", "edition.cnn.com", "cnn"},
		{"www prefix", "www.bbc.co.uk", "bbc-news"},
		{"second domain", "bbc.com", "bbc-news"},
		{"old bbc news host", "news.bbc.co.uk", "bbc-news"},
		{"amp subdomain", "amp.theguardian.com", "guardian"},
		{"legacy guardian domain", "guardian.co.uk", "guardian"},
		{"deep blog subdomain", "thecaucus.blogs.nytimes.com", "new-york-times"},
		{"short link domain", "nyti.ms", "new-york-times"},
		{"port and upper case", "WWW.NYTimes.com:443", "new-york-times"},
		{"trailing dot", "www.foxnews.com.", "fox-news"},
		{"trailing dot and port", "cnn.com.:8080", "cnn"},
		{"surrounding space", "  www.npr.org ", "npr"},
		{"legacy huffpost domain", "www.huffingtonpost.com", "huffpost"},
		{"separate business outlet", "www.foxbusiness.com", "fox-business"},
		{"registered subdomain", "news.yahoo.com", "yahoo-news"},
		{"regional subdomain of registered subdomain", "uk.news.yahoo.com", "yahoo-news"},
		{"parent of registered subdomain", "yahoo.com", ""},
		{"sibling of registered subdomain", "sports.yahoo.com", ""},
		{"suffix of a domain is not the domain", "times.com", ""},
		{"lookalike", "cnn.com.evil.example", ""},
		{"label containing a domain", "notcnn.com", ""},
		{"australian abc", "www.abc.net.au", "abc-australia"},
		{"us abc", "abcnews.go.com", "abc-news"},
		{"go.com is not abc", "espn.go.com", ""},
		{"more labels than the walk bound", deep, "cnn"},
		{"unknown", "example.com", ""},
		{"bare public suffix", "co.uk", ""},
		{"bare tld", "com", ""},
		{"empty", "", ""},
		{"only a dot", ".", ""},
		{"only a port", ":443", ""},
		{"ipv4", "151.101.1.67", ""},
		{"ipv4 with port", "151.101.1.67:443", ""},
		{"ipv6 with port", "[2a04:4e42::81]:443", ""},
		{"ipv6 bracketed", "[2a04:4e42::81]", ""},
		{"ipv6 bare", "2a04:4e42::81", ""},
		{"longer than a dns name", strings.Repeat("a", maxRawHostLen) + ".cnn.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := r.Lookup(tt.host)
			if ok != (tt.wantID != "") || got.ID != tt.wantID {
				t.Errorf("Lookup(%q) = %q, %v; want %q", tt.host, got.ID, ok, tt.wantID)
			}
			if id, ok := r.LookupID(tt.host); ok != (tt.wantID != "") || id != tt.wantID {
				t.Errorf("LookupID(%q) = %q, %v; want %q", tt.host, id, ok, tt.wantID)
			}
		})
	}
}

// TestBias reads an outlet's bias by id without a copy; unknown ids are unrated.
func TestBias(t *testing.T) {
	t.Parallel()
	r := builtin(t)
	for _, id := range []string{"cnn", "fox-news", "bbc-news"} {
		o, ok := r.ByID(id)
		if !ok {
			t.Fatalf("no outlet %q", id)
		}
		if got := r.Bias(id); got != o.Bias {
			t.Errorf("Bias(%q) = %q, want %q", id, got, o.Bias)
		}
	}
	if got := r.Bias("no-such-outlet"); got != "" {
		t.Errorf("Bias of an unknown id = %q, want unrated", got)
	}
}

// TestLookupBASIL resolves every article host of the BASIL triplets (the same events
// told by Fox News, The New York Times and HuffPost) to the outlet that wrote it.
func TestLookupBASIL(t *testing.T) {
	t.Parallel()
	dir := corpus.Require(t, "story-clustering")
	f, err := os.Open(filepath.Join(dir, "basil-triplets", "basil.dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := builtin(t)
	wantID := map[string]string{"fox": "fox-news", "nyt": "new-york-times", "hpo": "huffpost"}
	sc := bufio.NewScanner(f)
	// Lines carry full article texts; the longest BASIL article is under 64 KB.
	const maxLine = 1 << 20
	sc.Buffer(make([]byte, 64<<10), maxLine)
	n := 0
	for sc.Scan() {
		var a struct{ Source, Domain string }
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
		want, known := wantID[a.Source]
		if !known {
			t.Errorf("line %d: unexpected source %q", n, a.Source)
			continue
		}
		if got, ok := r.Lookup(a.Domain); !ok || got.ID != want {
			t.Errorf("line %d: Lookup(%q) = %q, %v; want %q", n, a.Domain, got.ID, ok, want)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no BASIL articles read")
	}
}

func TestBiasSide(t *testing.T) {
	t.Parallel()
	tests := []struct {
		bias Bias
		want Side
	}{
		{FarLeft, SideLeft},
		{Left, SideLeft},
		{LeanLeft, SideLeft},
		{Center, SideCenter},
		{LeanRight, SideRight},
		{Right, SideRight},
		{FarRight, SideRight},
		{"", SideUnrated},
		{"centre", SideUnrated},
		{"Left", SideUnrated},
		{" left", SideUnrated},
		{"extreme-right", SideUnrated},
	}
	for _, tt := range tests {
		t.Run(string(tt.bias), func(t *testing.T) {
			t.Parallel()
			if got := tt.bias.Side(); got != tt.want {
				t.Errorf("Bias(%q).Side() = %q, want %q", tt.bias, got, tt.want)
			}
			if valid := tt.want != SideUnrated; tt.bias.Valid() != valid {
				t.Errorf("Bias(%q).Valid() = %v, want %v", tt.bias, !valid, valid)
			}
		})
	}
}

// validOutlet returns a fresh record that New accepts; each invalid case breaks one thing.
func validOutlet(id, domain string) Outlet {
	return Outlet{
		ID: id, Name: "Example " + id, Domains: []string{domain},
		Homepage: "https://" + domain + "/", Country: "US", Languages: []string{"en"},
		Bias: Center, Factuality: High, Owner: "Example Inc.", Ownership: Corporation,
		Paywall: NoPaywall, Feeds: []string{"https://" + domain + "/feed"},
		Ratings: []Rating{{Rater: "mbfc", Bias: Center, Factuality: High, AsOf: 2025}},
	}
}

func TestNewValid(t *testing.T) {
	t.Parallel()
	r, err := New([]Outlet{validOutlet("b", "b.example"), validOutlet("a", "a.example")})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if ids := []string{r.All()[0].ID, r.All()[1].ID}; !slices.Equal(ids, []string{"a", "b"}) {
		t.Errorf("All() ids = %v, want sorted [a b]", ids)
	}
	if _, ok := r.ByID("c"); ok {
		t.Error(`ByID("c") found an outlet that was never added`)
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mutate  func(o *Outlet)
		second  *Outlet // added next to the mutated record when set
		wantErr string
	}{
		{"empty id", func(o *Outlet) { o.ID = "" }, nil, "slug"},
		{"upper-case id", func(o *Outlet) { o.ID = "Fox-News" }, nil, "slug"},
		{"id with space", func(o *Outlet) { o.ID = "fox news" }, nil, "slug"},
		{"id with slash", func(o *Outlet) { o.ID = "fox/news" }, nil, "slug"},
		{"id with trailing hyphen", func(o *Outlet) { o.ID = "fox-" }, nil, "slug"},
		{"empty name", func(o *Outlet) { o.Name = " " }, nil, `field "name": must not be empty`},
		{"no domains", func(o *Outlet) { o.Domains = nil }, nil, `field "domains": at least one`},
		{"www domain", func(o *Outlet) { o.Domains = []string{"www.a.example"} }, nil, `"www.`},
		{"upper-case domain", func(o *Outlet) { o.Domains = []string{"A.example"} }, nil, "lower-case"},
		{"domain with port", func(o *Outlet) { o.Domains = []string{"a.example:80"} }, nil, "lower-case"},
		{"domain with trailing dot", func(o *Outlet) { o.Domains = []string{"a.example."} }, nil, "labels"},
		{"domain with scheme", func(o *Outlet) { o.Domains = []string{"https://a.example"} }, nil, "labels"},
		{"single-label domain", func(o *Outlet) { o.Domains = []string{"localhost"} }, nil, "labels"},
		{"ip domain", func(o *Outlet) { o.Domains = []string{"192.0.2.1"} }, nil, "IP address"},
		{"public suffix domain", func(o *Outlet) { o.Domains = []string{"co.uk"} }, nil, "public suffix"},
		{"too many labels", func(o *Outlet) {
			o.Domains = []string{strings.Repeat("a.", maxDomainLabels) + "example"}
		}, nil, "labels"},
		{"domain listed twice", func(o *Outlet) { o.Domains = []string{"a.example", "a.example"} }, nil, "twice"},
		{"relative homepage", func(o *Outlet) { o.Homepage = "/news" }, nil, "homepage"},
		{"lower-case country", func(o *Outlet) { o.Country = "us" }, nil, "country"},
		{"country name", func(o *Outlet) { o.Country = "USA" }, nil, "country"},
		{"language name", func(o *Outlet) { o.Languages = []string{"English"} }, nil, "language"},
		{"bad bias", func(o *Outlet) { o.Bias = "centre" }, nil, `field "bias": "centre" is not one of far-left`},
		{"bad factuality", func(o *Outlet) { o.Factuality = "true" }, nil, `field "factuality": "true"`},
		{"bad ownership", func(o *Outlet) { o.Ownership = "state" }, nil, `field "ownership": "state"`},
		{"bad paywall", func(o *Outlet) { o.Paywall = "soft" }, nil, `field "paywall": "soft"`},
		{"feed without scheme", func(o *Outlet) { o.Feeds = []string{"a.example/feed"} }, nil, "feed"},
		{"feed with ftp scheme", func(o *Outlet) { o.Feeds = []string{"ftp://a.example/feed"} }, nil, "feed"},
		{"feed that does not parse", func(o *Outlet) { o.Feeds = []string{"https://a.example/%zz"} }, nil, "feed"},
		{"rating without rater", func(o *Outlet) { o.Ratings[0].Rater = "" }, nil, `without "rater"`},
		{"rater twice", func(o *Outlet) { o.Ratings = append(o.Ratings, o.Ratings[0]) }, nil, "twice"},
		{"rating with bad bias", func(o *Outlet) { o.Ratings[0].Bias = "left-center" }, nil, `rating by mbfc: bias "left-center"`},
		{"rating with bad factuality", func(o *Outlet) { o.Ratings[0].Factuality = "HIGH" }, nil, `rating by mbfc: factuality "HIGH"`},
		{"duplicate id", func(*Outlet) {}, new(validOutlet("a", "b.example")), `duplicate id "a"`},
		{"domain claimed twice", func(*Outlet) {}, new(validOutlet("b", "a.example")), `domain "a.example" claimed by "a" and "b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := validOutlet("a", "a.example")
			tt.mutate(&o)
			list := []Outlet{o}
			if tt.second != nil {
				list = append(list, *tt.second)
			}
			r, err := New(list)
			if err == nil {
				t.Fatalf("New accepted an invalid registry (%d outlets)", r.Len())
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %q does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
		})
	}
}

// TestRegistryIsolated checks that the registry cannot be changed through the slices
// it was built from or the outlets it hands out: it is shared by concurrent requests.
func TestRegistryIsolated(t *testing.T) {
	t.Parallel()
	in := []Outlet{validOutlet("a", "a.example")}
	r, err := New(in)
	if err != nil {
		t.Fatal(err)
	}
	in[0].Domains[0] = "changed.example"
	in[0].Ratings[0].Bias = FarLeft
	all := r.All()
	all[0].Feeds[0] = "https://changed.example/"
	got, _ := r.ByID("a")
	got.Languages[0] = "xx"
	looked, _ := r.Lookup("a.example")
	looked.Ratings[0].Bias = FarRight

	o, ok := r.Lookup("a.example")
	if !ok {
		t.Fatal("changing the input slice changed the registry's domains")
	}
	if want := validOutlet("a", "a.example"); o.Domains[0] != want.Domains[0] || o.Feeds[0] != want.Feeds[0] ||
		o.Languages[0] != want.Languages[0] || o.Ratings[0].Bias != want.Ratings[0].Bias {
		t.Errorf("registry changed through a caller's copy: %+v", o)
	}
}

func TestDecodeStrict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
	}{
		{"misspelt field", `[{"id": "a", "name": "A", "domains": ["a.example"], "factualty": "high"}]`},
		{"data after the array", `[] []`},
		{"not an array", `{"id": "a"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := decode([]byte(tt.json)); err == nil {
				t.Errorf("decode(%s) succeeded, want an error", tt.json)
			}
		})
	}
}
