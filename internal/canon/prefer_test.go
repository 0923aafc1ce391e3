package canon

import (
	"errors"
	"strings"
	"testing"
)

func TestPrefer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, page, declared, want string
	}{
		{"same host",
			"https://www.bbc.co.uk/news/uk-50473792?at_medium=RSS",
			"https://www.bbc.co.uk/news/uk-50473792",
			"https://www.bbc.co.uk/news/uk-50473792"},
		{"sibling subdomain accepted",
			"https://edition.cnn.com/2019/11/18/politics/trump-health/index.html",
			"https://www.cnn.com/2019/11/18/politics/trump-health/index.html",
			"https://www.cnn.com/2019/11/18/politics/trump-health/index.html"},
		{"amp page declares its article",
			"https://amp.cnn.com/cnn/2019/11/18/politics/trump-health/index.html",
			"https://www.cnn.com/2019/11/18/politics/trump-health/index.html",
			"https://www.cnn.com/2019/11/18/politics/trump-health/index.html"},
		{"different path on the same site accepted",
			"https://www.reuters.com/article/us-global-markets/asian-shares-soft-idUSKBN1XT00W",
			"https://www.reuters.com/article/us-global-markets-idUSKBN1XT00W",
			"https://www.reuters.com/article/us-global-markets-idUSKBN1XT00W"},
		{"declared canonical is canonicalised too",
			"https://www.example.com/story?id=5&utm_source=x",
			"HTTPS://WWW.EXAMPLE.COM/story?utm_medium=y&id=5#top",
			"https://www.example.com/story?id=5"},
		{"google amp cache page",
			"https://www.google.com/amp/s/www.example.com/news/amp/story-1",
			"https://www.example.com/news/story-1.html",
			"https://www.example.com/news/story-1.html"},
		{"foreign domain refused (msn syndication)",
			"https://www.msn.com/en-us/news/us/doctors-offer-free-flu-shots/ar-BBWZedJ?srcref=rss",
			"https://www.nbcnews.com/news/latino/doctors-offer-give-free-flu-shots-n1085206",
			"https://www.msn.com/en-us/news/us/doctors-offer-free-flu-shots/ar-BBWZedJ?srcref=rss"},
		{"country sibling refused",
			"https://www.businessinsider.com/10-things-in-tech-2019-11",
			"https://www.businessinsider.de/10-things-in-tech-2019-11",
			"https://www.businessinsider.com/10-things-in-tech-2019-11"},
		{"same public suffix is not the same site",
			"https://www.bbc.co.uk/news/uk-50473792",
			"https://www.itv.co.uk/news/uk-50473792",
			"https://www.bbc.co.uk/news/uk-50473792"},
		{"another blog on a private suffix refused",
			"https://alice.blogspot.com/2019/11/post.html",
			"https://bob.blogspot.com/2019/11/post.html",
			"https://alice.blogspot.com/2019/11/post.html"},
		{"root-relative resolved against the page",
			"https://www.example.com/news/amp/story-1",
			"/news/story-1",
			"https://www.example.com/news/story-1"},
		{"scheme-relative resolved",
			"https://m.example.com/news/story-1",
			"//www.example.com/news/story-1",
			"https://www.example.com/news/story-1"},
		{"root-relative on an amp cache resolves against the publisher",
			"https://www-example-com.cdn.ampproject.org/c/s/www.example.com/news/story-1.amp",
			"/news/story-1",
			"https://www.example.com/news/story-1"},
		{"http canonical on https page",
			"https://www.theparadigmng.com/2018/10/09/breaking-lawan/",
			"http://www.theparadigmng.com/2018/10/09/breaking-lawan/",
			"https://www.theparadigmng.com/2018/10/09/breaking-lawan/"},
		{"https canonical on http page",
			"http://www.wday.ru/articles/mastera-vkusa-id119898",
			"https://www.wday.ru/dom-eda/soh/mastera-vkusa/",
			"https://www.wday.ru/dom-eda/soh/mastera-vkusa/"},
		{"ftp canonical refused",
			"https://www.example.com/news/story-1",
			"ftp://www.example.com/news/story-1",
			"https://www.example.com/news/story-1"},
		{"javascript canonical refused",
			"https://www.example.com/news/story-1",
			"javascript:void(0)",
			"https://www.example.com/news/story-1"},
		{"empty canonical",
			"https://www.example.com/news/story-1?fbclid=x",
			"",
			"https://www.example.com/news/story-1"},
		{"blank canonical",
			"https://www.example.com/news/story-1",
			" \n\t",
			"https://www.example.com/news/story-1"},
		{"template bug undefined",
			"https://www.example.com/news/story-1",
			"undefined",
			"https://www.example.com/news/story-1"},
		{"unfilled template",
			"https://www.example.com/news/story-1",
			"{{ page.canonical }}",
			"https://www.example.com/news/story-1"},
		{"path-relative canonical refused",
			"https://www.example.com/news/story-1",
			"story-1.html",
			"https://www.example.com/news/story-1"},
		{"sentence refused",
			"https://www.example.com/news/story-1",
			"not a url",
			"https://www.example.com/news/story-1"},
		{"canonical without host",
			"https://www.example.com/news/story-1",
			"https://",
			"https://www.example.com/news/story-1"},
		{"canonical with bad port",
			"https://www.example.com/news/story-1",
			"https://www.example.com:99999/news/story-1",
			"https://www.example.com/news/story-1"},
		{"over-long canonical",
			"https://www.example.com/news/story-1",
			"https://www.example.com/" + strings.Repeat("a", MaxLength),
			"https://www.example.com/news/story-1"},
		{"home page canonical refused",
			"https://www.example.com/2019/11/19/story/",
			"https://www.example.com/",
			"https://www.example.com/2019/11/19/story/"},
		{"home page canonical on the home page",
			"https://www.example.com/?utm_source=x",
			"https://example.com",
			"https://example.com/"},
		{"query-identified canonical at the root accepted",
			"https://blog.example.org/?p=456&share=twitter",
			"https://blog.example.org/?p=456",
			"https://blog.example.org/?p=456"},
		{"IP page refuses a name",
			"http://192.0.2.10/news/1",
			"https://www.example.com/news/1",
			"https://192.0.2.10/news/1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Prefer(tc.page, tc.declared)
			if err != nil {
				t.Fatalf("Prefer(%q, %.60q): %v", tc.page, tc.declared, err)
			}
			if got != tc.want {
				t.Errorf("Prefer(%q, %.60q)\n got %q\nwant %q", tc.page, tc.declared, got, tc.want)
			}
		})
	}
}

func TestPreferInvalidPage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, page, declared string
		want                 error
	}{
		{"relative page", "/news/story-1", "https://www.example.com/news/story-1", ErrMalformed},
		{"empty page", "", "https://www.example.com/news/story-1", ErrMalformed},
		{"javascript page", "javascript:alert(1)", "https://www.example.com/", ErrScheme},
		{"extension page", "chrome-extension://abc/popup.html", "", ErrScheme},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Prefer(tc.page, tc.declared)
			if !errors.Is(err, tc.want) || got != "" {
				t.Errorf("Prefer(%q, %q) = %q, %v; want \"\", %v", tc.page, tc.declared, got, err, tc.want)
			}
		})
	}
}

func TestDomain(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, host, want string
	}{
		{"com", "www.nytimes.com", "nytimes.com"},
		{"already registrable", "apnews.com", "apnews.com"},
		{"deep subdomain", "a.b.c.example.com", "example.com"},
		{"co.uk", "www.bbc.co.uk", "bbc.co.uk"},
		{"co.uk subdomain", "news.bbc.co.uk", "bbc.co.uk"},
		{"com.au", "www.abc.net.au", "abc.net.au"},
		{"com.au news", "www.smh.com.au", "smh.com.au"},
		{"or.jp", "www3.nhk.or.jp", "nhk.or.jp"},
		{"indiatimes", "timesofindia.indiatimes.com", "indiatimes.com"},
		{"blogspot private suffix", "alice.blogspot.com", "alice.blogspot.com"},
		{"blogspot subdomain", "www.alice.blogspot.com", "alice.blogspot.com"},
		{"github.io", "parallax-news.github.io", "parallax-news.github.io"},
		{"bare public suffix", "co.uk", "co.uk"},
		{"bare private suffix", "blogspot.com", "blogspot.com"},
		{"upper case", "WWW.TheGuardian.COM", "theguardian.com"},
		{"port", "edition.cnn.com:443", "cnn.com"},
		{"trailing dot", "www.bbc.co.uk.", "bbc.co.uk"},
		{"trailing dot and port", "www.bbc.co.uk.:8080", "bbc.co.uk"},
		{"IDN", "www.Bücher.de", "xn--bcher-kva.de"},
		{"punycode", "www.xn--bcher-kva.de", "xn--bcher-kva.de"},
		{"localhost", "localhost", "localhost"},
		{"localhost with port", "LocalHost:8080", "localhost"},
		{"IPv4", "192.0.2.10", "192.0.2.10"},
		{"IPv4 with port", "192.0.2.10:8080", "192.0.2.10"},
		{"IPv6 bracketed with port", "[2001:DB8::1]:443", "2001:db8::1"},
		{"IPv6 bracketed", "[::1]", "::1"},
		{"IPv6 bare", "2001:db8:0:0::1", "2001:db8::1"},
		{"empty", "", ""},
		{"surrounding space", " www.bbc.co.uk ", "bbc.co.uk"},
		{"unknown tld", "news.example.invalidtld", "example.invalidtld"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Domain(tc.host); got != tc.want {
				t.Errorf("Domain(%q) = %q, want %q", tc.host, got, tc.want)
			}
		})
	}
}
