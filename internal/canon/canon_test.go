package canon

import (
	"errors"
	"strings"
	"testing"
)

// urlCases are real-world link shapes and the key each must get. The fuzz test seeds
// its corpus from them.
var urlCases = []struct {
	name, in, want string
}{
	// Publishers.
	{"bbc plain article", "https://www.bbc.co.uk/news/uk-politics-50473792", "https://www.bbc.co.uk/news/uk-politics-50473792"},
	{"bbc mobile host", "https://m.bbc.co.uk/news/uk-politics-50473792", "https://www.bbc.co.uk/news/uk-politics-50473792"},
	{"bbc amp segment", "https://www.bbc.com/news/amp/world-europe-50473792", "https://www.bbc.com/news/world-europe-50473792"},
	{"bbc rss at_ tags", "https://www.bbc.co.uk/news/world-50473792?at_medium=RSS&at_campaign=KARANGA", "https://www.bbc.co.uk/news/world-50473792"},
	{"nyt share link", "https://www.nytimes.com/2019/11/18/business/trump-trade-war-china.html?smid=tw-share", "https://www.nytimes.com/2019/11/18/business/trump-trade-war-china.html"},
	{"nyt homepage click soup", "https://www.nytimes.com/2019/11/19/opinion/republicans-elections-impeachment.html?action=click&module=Opinion&pgtype=Homepage", "https://www.nytimes.com/2019/11/19/opinion/republicans-elections-impeachment.html"},
	{"nyt amp.html", "https://www.nytimes.com/2019/11/18/business/trump-trade-war-china.amp.html", "https://www.nytimes.com/2019/11/18/business/trump-trade-war-china.html"},
	{"nyt mobile host", "https://mobile.nytimes.com/2019/11/18/business/trump-trade-war-china.html", "https://www.nytimes.com/2019/11/18/business/trump-trade-war-china.html"},
	{"guardian amp host", "https://amp.theguardian.com/world/2019/nov/19/hong-kong-protests-polytechnic-university", "https://www.theguardian.com/world/2019/nov/19/hong-kong-protests-polytechnic-university"},
	{"guardian CMP share", "https://www.theguardian.com/world/2019/nov/19/hong-kong-protests-polytechnic-university?CMP=share_btn_tw", "https://www.theguardian.com/world/2019/nov/19/hong-kong-protests-polytechnic-university"},
	{"cnn edition kept", "https://edition.cnn.com/2019/11/18/politics/donald-trump-health-walter-reed/index.html", "https://edition.cnn.com/2019/11/18/politics/donald-trump-health-walter-reed/index.html"},
	// CNN's AMP host also prefixes "/cnn"; no generic rule folds that, so the key differs
	// from www.cnn.com's until Prefer sees the page's rel=canonical.
	{"cnn amp host", "https://amp.cnn.com/cnn/2019/11/18/politics/donald-trump-health-walter-reed/index.html", "https://www.cnn.com/cnn/2019/11/18/politics/donald-trump-health-walter-reed/index.html"},
	{"washington post outputType=amp", "https://www.washingtonpost.com/politics/2019/11/19/gordon-sondland-testimony/?outputType=amp", "https://www.washingtonpost.com/politics/2019/11/19/gordon-sondland-testimony/"},
	{"fox news .amp", "https://www.foxnews.com/entertainment/scooter-braun-taylor-swift-feud-report.amp", "https://www.foxnews.com/entertainment/scooter-braun-taylor-swift-feud-report"},
	{"reuters amp segment", "https://www.reuters.com/article/amp/idUSKBN1XT00W", "https://www.reuters.com/article/idUSKBN1XT00W"},
	{"reuters mobile host", "https://mobile.reuters.com/article/us-global-markets-idUSKBN1XT00W", "https://www.reuters.com/article/us-global-markets-idUSKBN1XT00W"},
	{"ap news utm", "https://apnews.com/article/2896af5086674d4bbbbd454dec217c63?utm_source=Twitter&utm_medium=AP&utm_campaign=SocialFlow", "https://apnews.com/article/2896af5086674d4bbbbd454dec217c63"},
	{"daily mail amp.html", "https://www.dailymail.co.uk/news/article-7700001/Prince-Andrew-steps-public-duties.amp.html", "https://www.dailymail.co.uk/news/article-7700001/Prince-Andrew-steps-public-duties.html"},
	{"daily mail amp segment", "https://www.dailymail.co.uk/news/article-7700001/amp/Prince-Andrew-steps-public-duties.html", "https://www.dailymail.co.uk/news/article-7700001/Prince-Andrew-steps-public-duties.html"},
	{"daily mail mobile ito", "https://m.dailymail.co.uk/news/article-7700001/Prince-Andrew-steps-public-duties.html?ito=social-twitter_mailonline", "https://www.dailymail.co.uk/news/article-7700001/Prince-Andrew-steps-public-duties.html"},
	{"times of india amp_articleshow", "https://timesofindia.indiatimes.com/city/delhi/air-quality-improves/amp_articleshow/72123456.cms", "https://timesofindia.indiatimes.com/city/delhi/air-quality-improves/articleshow/72123456.cms"},
	{"abc au amp host", "https://amp.abc.net.au/article/11720050", "https://www.abc.net.au/article/11720050"},
	{"nbc news amp segment", "https://www.nbcnews.com/news/amp/ncna1086531", "https://www.nbcnews.com/news/ncna1086531"},
	{"le monde xtor", "https://www.lemonde.fr/international/article/2019/11/19/hongkong_6019678_3210.html?xtor=RSS-3208", "https://www.lemonde.fr/international/article/2019/11/19/hongkong_6019678_3210.html"},
	{"npr storyId kept", "https://www.npr.org/templates/story/story.php?storyId=4567890&utm_source=facebook.com&utm_medium=social", "https://www.npr.org/templates/story/story.php?storyId=4567890"},

	// AMP caches.
	{"google amp viewer https", "https://www.google.com/amp/s/www.bbc.co.uk/news/amp/uk-50473792", "https://www.bbc.co.uk/news/uk-50473792"},
	{"google amp viewer http", "https://www.google.com/amp/www.example.com/2019/11/story/amp/", "https://www.example.com/2019/11/story/"},
	{"google amp viewer country domain", "https://www.google.co.uk/amp/s/amp.theguardian.com/uk-news/2019/nov/19/slug", "https://www.theguardian.com/uk-news/2019/nov/19/slug"},
	{"ampproject cdn", "https://www-nytimes-com.cdn.ampproject.org/c/s/www.nytimes.com/2019/11/18/business/trump-trade-war-china.amp.html?amp_js_v=0.1&usqp=mq331AQCKAE%3D", "https://www.nytimes.com/2019/11/18/business/trump-trade-war-china.html"},
	{"ampproject cdn viewer keeps publisher query", "https://example-com.cdn.ampproject.org/v/s/example.com/news.php?id=7&amp_js_v=a6&amp_gsa=1", "https://example.com/news.php?id=7"},
	{"google search page not a cache", "https://www.google.com/amp/", "https://www.google.com/"},

	// Tracking parameters and query-identified articles.
	{"utm soup any case keeps id", "https://www.example.com/news.php?id=123&utm_source=newsletter&UTM_Medium=email&Utm_Campaign=daily", "https://www.example.com/news.php?id=123"},
	{"fbclid", "https://www.example.com/2019/11/19/story/?fbclid=IwAR2xYz", "https://www.example.com/2019/11/19/story/"},
	{"ad click ids", "https://www.example.com/story?gclid=abc&msclkid=def&dclid=ghi&yclid=1&_ga=2.1", "https://www.example.com/story"},
	{"mailchimp and twitter embed", "https://www.example.com/story?mc_cid=abc&mc_eid=def&ref_src=twsrc%5Etfw", "https://www.example.com/story"},
	{"webtrends and comscore", "https://www.example.com/story?WT.mc_id=tw&ns_mchannel=social&ns_campaign=x&ocid=msn", "https://www.example.com/story"},
	{"wordpress p kept", "http://blog.example.org/?p=456&utm_source=rss", "https://blog.example.org/?p=456"},
	{"facebook story_fbid kept and sorted", "https://m.facebook.com/story.php?story_fbid=10157&id=4", "https://www.facebook.com/story.php?id=4&story_fbid=10157"},
	{"youtube v kept", "https://m.youtube.com/watch?v=dQw4w9WgXcQ&utm_source=share", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
	{"article_id kept", "https://news.example.com/view?article_id=2019111900123&igshid=xyz", "https://news.example.com/view?article_id=2019111900123"},
	{"ref kept", "https://www.example.com/story?ref=hn", "https://www.example.com/story?ref=hn"},
	{"query sorted", "https://www.example.com/list?b=2&a=1&c", "https://www.example.com/list?a=1&b=2&c"},
	{"duplicate pair dropped", "https://www.example.com/view?id=1&id=1", "https://www.example.com/view?id=1"},
	{"amp=1 dropped", "https://www.example.com/article?id=9&amp=1", "https://www.example.com/article?id=9"},
	{"amp flag dropped", "https://www.example.com/2019/11/post/?amp", "https://www.example.com/2019/11/post/"},
	{"amp=0 kept", "https://www.example.com/article?amp=0", "https://www.example.com/article?amp=0"},
	{"empty query dropped", "https://www.example.com/a?", "https://www.example.com/a"},
	{"only tracking dropped", "https://www.example.com/a?utm_source=x&&", "https://www.example.com/a"},
	{"reserved escapes in query kept", "https://www.example.com/search?q=a%26b%3dc&x=%7e", "https://www.example.com/search?q=a%26b%3Dc&x=~"},

	// AMP paths.
	{"wordpress amp suffix", "https://www.example.com/2019/11/post/amp/", "https://www.example.com/2019/11/post/"},
	{"amp prefix", "https://www.example.com/amp/news/story-1", "https://www.example.com/news/story-1"},
	{"amp.html last segment", "https://www.example.com/news/story-1/amp.html", "https://www.example.com/news/story-1"},
	{"nested amp markers", "https://amp.m.example.com/amp/news/story.amp.amp.html", "https://www.example.com/news/story.html"},
	{"amp subdomain below registrable", "https://amp.news.example.com/x", "https://news.example.com/x"},
	{"m. before a bare suffix kept", "https://m.co.uk/news", "https://m.co.uk/news"},
	{"amp.dev kept", "https://amp.dev/about/", "https://amp.dev/about/"},
	{"m. before a private suffix kept", "https://m.github.io/post", "https://m.github.io/post"},

	// Scheme, host and port.
	{"mixed case scheme and host", "HTTPS://WWW.Reuters.COM/World/Slug", "https://www.reuters.com/World/Slug"},
	{"http upgraded", "http://www.example.com/a", "https://www.example.com/a"},
	{"default https port", "https://www.example.com:443/a", "https://www.example.com/a"},
	{"default http port upgraded", "http://www.example.com:80/a", "https://www.example.com/a"},
	{"port with leading zeros", "https://www.example.com:0443/a", "https://www.example.com/a"},
	{"non-default port keeps scheme", "http://news.example.com:8080/a", "http://news.example.com:8080/a"},
	{"http on 443 kept", "http://news.example.com:443/a", "http://news.example.com:443/a"},
	{"userinfo dropped", "https://user:secret@www.example.com/a", "https://www.example.com/a"},
	{"fragment dropped", "https://www.example.com/a#comments", "https://www.example.com/a"},
	{"trailing dot host", "https://www.example.com./a", "https://www.example.com/a"},
	{"IDN host", "https://www.bücher.de/artikel/1", "https://www.xn--bcher-kva.de/artikel/1"},
	{"IDN upper case", "https://MÜNCHEN.de/", "https://xn--mnchen-3ya.de/"},
	{"IDN percent-encoded", "https://m%C3%BCnchen.de/", "https://xn--mnchen-3ya.de/"},
	{"IDN japanese", "https://例え.テスト/", "https://xn--r8jz45g.xn--zckzah/"},
	{"IDN ideographic full stop", "https://例え。テスト/a", "https://xn--r8jz45g.xn--zckzah/a"},
	{"punycode upper case", "https://XN--MNCHEN-3YA.DE/", "https://xn--mnchen-3ya.de/"},
	{"IPv4 with port", "http://192.0.2.10:8080/news", "http://192.0.2.10:8080/news"},
	{"IPv6 literal", "http://[2001:DB8::1]/news", "https://[2001:db8::1]/news"},
	{"localhost", "http://localhost/a", "https://localhost/a"},
	{"underscore subdomain", "https://my_blog.example.com/a", "https://my_blog.example.com/a"},
	{"surrounding whitespace", "  https://www.example.com/a \n", "https://www.example.com/a"},

	// Path.
	{"empty path", "https://www.example.com", "https://www.example.com/"},
	{"empty path with query", "https://www.example.com?p=1", "https://www.example.com/?p=1"},
	{"unreserved escapes decoded", "https://www.example.com/%7euser/news%2Dstory", "https://www.example.com/~user/news-story"},
	{"hex upper-cased", "https://www.example.com/caf%c3%a9", "https://www.example.com/caf%C3%A9"},
	{"non-ascii path encoded", "https://www.example.com/café", "https://www.example.com/caf%C3%A9"},
	{"encoded slash kept", "https://www.example.com/a%2fb", "https://www.example.com/a%2Fb"},
	{"stray percent encoded", "https://www.example.com/save-50%-now", "https://www.example.com/save-50%25-now"},
	{"duplicate slashes collapsed", "https://www.example.com//news///2019/a", "https://www.example.com/news/2019/a"},
	{"dot segments", "https://www.example.com/news/./2019/../2020/a", "https://www.example.com/news/2020/a"},
	{"encoded dot segments", "https://www.example.com/news/%2e%2E/a", "https://www.example.com/a"},
	{"dot-dot above root", "https://www.example.com/../../a", "https://www.example.com/a"},
	{"trailing slash kept", "https://www.example.com/news/story/", "https://www.example.com/news/story/"},
	{"no trailing slash kept", "https://www.example.com/news/story", "https://www.example.com/news/story"},
	{"path case kept", "https://www.example.com/News/Story-ABC", "https://www.example.com/News/Story-ABC"},
}

func TestURL(t *testing.T) {
	t.Parallel()
	for _, tc := range urlCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := URL(tc.in)
			if err != nil {
				t.Fatalf("URL(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("URL(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			again, err := URL(got)
			if err != nil || again != got {
				t.Errorf("URL(%q) = %q, %v; canonical form is not stable", got, again, err)
			}
		})
	}
}

// TestURLSameKey checks the promise itself: links a reader could follow to one article
// share one key.
func TestURLSameKey(t *testing.T) {
	t.Parallel()
	groups := map[string][]string{
		"nyt": {
			"https://www.nytimes.com/2019/11/18/business/trump-trade-war-china.html",
			"http://www.nytimes.com/2019/11/18/business/trump-trade-war-china.html?smid=fb-share",
			"https://mobile.nytimes.com/2019/11/18/business/trump-trade-war-china.html#after-story",
			"https://www.nytimes.com/2019/11/18/business/trump-trade-war-china.amp.html",
			"https://www-nytimes-com.cdn.ampproject.org/c/s/www.nytimes.com/2019/11/18/business/trump-trade-war-china.amp.html?amp_js_v=0.1",
			"https://www.google.com/amp/s/www.nytimes.com/2019/11/18/business/trump-trade-war-china.amp.html",
		},
		"guardian": {
			"https://www.theguardian.com/world/2019/nov/19/hong-kong",
			"https://amp.theguardian.com/world/2019/nov/19/hong-kong?CMP=Share_iOSApp_Other",
			"https://WWW.THEGUARDIAN.COM:443/world/2019/nov/19/hong-kong?utm_term=Autofeed&utm_medium=Social",
			"https://www.google.co.uk/amp/s/amp.theguardian.com/world/2019/nov/19/hong-kong",
		},
		"query article": {
			"https://www.example.com/news.php?id=123&cat=4",
			"http://www.example.com/news.php?cat=4&id=123&utm_source=x&fbclid=y",
			"https://www.example.com//news.php?id=123&cat=4&amp=1#top",
		},
	}
	for name, links := range groups {
		want, err := URL(links[0])
		if err != nil {
			t.Fatalf("%s: URL(%q): %v", name, links[0], err)
		}
		for _, l := range links[1:] {
			if got, err := URL(l); err != nil || got != want {
				t.Errorf("%s: URL(%q) = %q, %v; want the same key as %q: %q", name, l, got, err, links[0], want)
			}
		}
	}
	// And different articles keep different keys.
	distinct := []string{
		"https://www.example.com/news.php?id=123",
		"https://www.example.com/news.php?id=124",
		"https://www.example.com/news.php?p=123",
		"https://www.example.com/news/123",
		"https://www.example.com/news/123/",
		"https://www.example.com/news%2F123",
		"https://news.example.com/news/123",
		"https://www.example.org/news/123",
	}
	seen := map[string]string{}
	for _, l := range distinct {
		got, err := URL(l)
		if err != nil {
			t.Fatalf("URL(%q): %v", l, err)
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("URL(%q) and URL(%q) both give %q", prev, l, got)
		}
		seen[got] = l
	}
}

func TestURLErrors(t *testing.T) {
	t.Parallel()
	nested := "https://www.bbc.co.uk/news/uk-50473792"
	for range maxUnwrap + 1 {
		nested = "https://www.google.com/amp/s/" + strings.TrimPrefix(nested, "https://")
	}
	cases := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrMalformed},
		{"blank", "  \t\n", ErrMalformed},
		{"javascript", "javascript:alert(1)", ErrScheme},
		{"javascript with spaces", "JavaScript:alert('hi there')", ErrScheme},
		{"ftp", "ftp://ftp.example.com/pub/file.txt", ErrScheme},
		{"data", "data:text/html,<p>hi</p>", ErrScheme},
		{"file", "file:///etc/passwd", ErrScheme},
		{"chrome", "chrome://newtab/", ErrScheme},
		{"about", "about:blank", ErrScheme},
		{"mailto", "mailto:editor@example.com", ErrScheme},
		{"extension page", "chrome-extension://abcdefghijklmnop/popup.html", ErrScheme},
		{"host and port without scheme", "www.example.com:8080/news", ErrMalformed},
		{"localhost and port without scheme", "localhost:3000/news", ErrMalformed},
		{"relative path", "/news/story-1", ErrMalformed},
		{"no scheme", "www.example.com/news/story-1", ErrMalformed},
		{"scheme-relative", "//www.example.com/news/story-1", ErrMalformed},
		{"no host", "https://", ErrMalformed},
		{"empty host", "https:///news/story-1", ErrMalformed},
		{"single slash", "http:/www.example.com/a", ErrMalformed},
		{"opaque", "https:www.example.com", ErrMalformed},
		{"port only", "https://:8080/a", ErrMalformed},
		{"space in host", "https://www.exa mple.com/", ErrMalformed},
		{"space in path", "https://www.example.com/a b", ErrMalformed},
		{"tab", "https://www.example.com/a\tb", ErrMalformed},
		{"NUL", "https://www.example.com/\x00", ErrMalformed},
		{"DEL", "https://www.example.com/\x7f", ErrMalformed},
		{"port too large", "https://www.example.com:99999/", ErrMalformed},
		{"port zero", "https://www.example.com:0/", ErrMalformed},
		{"port not a number", "https://www.example.com:http/", ErrMalformed},
		{"empty label", "https://www..example.com/", ErrMalformed},
		{"bad host character", "https://www.exa!mple.com/", ErrMalformed},
		{"label too long", "https://" + strings.Repeat("a", 64) + ".com/", ErrMalformed},
		{"unclosed IPv6", "https://[2001:db8::1/", ErrMalformed},
		{"IPv4 in brackets", "https://[192.0.2.1]/", ErrMalformed},
		{"IPv6 zone", "http://[fe80::1%25en0]/", ErrMalformed},
		{"invalid IDN", "https://xn--a.\u200d.com/", ErrMalformed},
		{"over-long", "https://www.example.com/" + strings.Repeat("a", MaxLength), ErrMalformed},
		{"over-long once escaped", "https://www.example.com/" + strings.Repeat("é", MaxLength/3), ErrMalformed},
		{"AMP cache around a bad port", "https://www-example-com.cdn.ampproject.org/c/s/www.example.com:http/a", ErrMalformed},
		{"AMP cache around no host", "https://www.google.com/amp/s/:443/news/a", ErrMalformed},
		{"AMP cache too deep", nested, ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := URL(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("URL(%.60q) = %q, %v; want %v", tc.in, got, err, tc.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "canon: ") || len(msg) > 200 {
				t.Errorf("error message %q: want a short message prefixed with \"canon: \"", msg)
			}
			if testing.Verbose() {
				t.Log(msg)
			}
		})
	}
}
