package lookup_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/fetch"
	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

// withoutOwnURL removes the URL a page declares as its own, so that a fixture can
// be served (and posted) under a test server's URL.
func withoutOwnURL(html []byte) []byte {
	return regexp.MustCompile(`<link rel="canonical"[^>]*>|<meta property="og:url"[^>]*>`).ReplaceAll(html, nil)
}

// sharedService is a lookup service of a shared server (posted pages held as
// their poster's), whose fetcher reaches only 127.0.0.1, counting post outcomes.
func sharedService(t *testing.T, st *store.Redis) (*lookup.Service, chan string) {
	t.Helper()
	reg, err := outlets.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	outcomes := make(chan string, 64)
	svc := lookup.New(lookup.Options{
		Store:       st,
		Fetcher:     fetch.New(fetch.Options{Timeout: 10 * time.Second, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}),
		Outlets:     reg,
		Matcher:     stories.DefaultConfig(),
		Shared:      true,
		ObservePost: func(o string) { outcomes <- o },
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.RunVerifier(ctx, 1); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return svc, outcomes
}

// waitOutcome waits, with a generous deadline, for the next post outcome other
// than "held".
func waitOutcome(t *testing.T, outcomes chan string) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case o := <-outcomes:
			if o != lookup.PostHeld {
				return o
			}
		case <-deadline:
			t.Fatal("no post outcome within 30s")
			return ""
		}
	}
}

// TestPostVerifiedByOwnFetch: a page posted on a shared server answers its poster,
// unverified, and nobody else; the server's own fetch of the URL then finds the
// same title, indexes the publisher's page, and everyone sees it. A post whose
// title the publisher's page contradicts stays unverified and unindexed.
func TestPostVerifiedByOwnFetch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		genuine := withoutOwnURL(page(t, "bbc.html"))
		publisher := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(genuine) // every URL serves the genuine article
		}))
		t.Cleanup(publisher.Close)
		svc, outcomes := sharedService(t, st)
		ctx := context.Background()

		// The poster's page is the publisher's article as their browser got it.
		const alice, bob = "aaaaaaaaaaaa", "bbbbbbbbbbbb"
		url := publisher.URL + "/news/bridge"
		res, err := svc.Lookup(ctx, lookup.Request{URL: url, HTML: genuine, Poster: alice})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Unverified || res.Outcome != lookup.OutcomeUnverified || res.Article.Provenance != stories.ProvenanceReader {
			t.Fatalf("the poster's answer: %+v", res)
		}
		if o := waitOutcome(t, outcomes); o != lookup.PostVerified {
			t.Fatalf("own fetch of a matching page: outcome %q", o)
		}
		for _, who := range []string{alice, bob} {
			res, err := svc.Lookup(ctx, lookup.Request{URL: url, Poster: who})
			if err != nil {
				t.Fatal(err)
			}
			if res.Unverified || res.Article.Provenance != stories.ProvenancePublisher || res.Story.ArticleCount != 1 {
				t.Errorf("%s after verification: %+v", who, res)
			}
		}

		// Another page posted under a URL of the same publisher, with a title
		// the publisher's own page does not have.
		fake := []byte(strings.Replace(string(genuine), "Harbour Bridge in Kestrelford collapses during morning rush hour",
			"Mayor admits the harbour bridge was sabotaged by rivals", -1))
		fakeURL := publisher.URL + "/news/sabotage"
		if res, err := svc.Lookup(ctx, lookup.Request{URL: fakeURL, HTML: fake, Poster: alice}); err != nil || !res.Unverified ||
			!strings.Contains(res.Article.Title, "sabotaged") {
			t.Fatalf("the fake post: %+v, %v", res, err)
		}
		if o := waitOutcome(t, outcomes); o != lookup.PostContradicted {
			t.Fatalf("own fetch of a page with another title: outcome %q", o)
		}
		p, err := st.Post(ctx, alice, fakeURL)
		if err != nil || p.Status != store.PostContradicted {
			t.Fatalf("the contradicted post: %+v, %v", p, err)
		}
		if _, _, err := st.ArticleByURL(ctx, fakeURL); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a contradicted post was indexed: %v", err)
		}
		// Its poster still sees it, marked; nobody else does.
		if res, err := svc.Lookup(ctx, lookup.Request{URL: fakeURL, Poster: alice}); err != nil || !res.Unverified {
			t.Errorf("the poster's later lookup: %+v, %v", res, err)
		}
	})
}
