package feeds

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/parallax-news/parallax/internal/fetch"
)

// maxFutureSkew is how far in the future a date may be and still be believed. The
// commonest mistake, local time labelled UTC, is off by at most 14 hours (UTC+14);
// a day allows that plus clock skew. Later dates are scheduled posts or bugs, and
// would sort above every real item.
const maxFutureSkew = 24 * time.Hour

// candidate is a feed item with a usable link, before text is cleaned.
type candidate struct {
	src       *gofeed.Item
	url       string
	published time.Time
}

// convert turns gofeed's items into Items: only those with an http(s) link
// (relative ones resolved against base, the URL the feed was fetched from,
// RFC 3986 §5.1.3), the first of any repeated link, newest first (undated
// ones after, in document order), at most maxItems. Text is cleaned only for
// the items kept, so a feed of thousands of items costs little more than the
// parse.
func convert(feed *gofeed.Feed, base *url.URL, now time.Time, maxItems int) []Item {
	seen := make(map[string]bool, len(feed.Items))
	cands := make([]candidate, 0, len(feed.Items))
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		link := itemLink(it, base)
		if link == "" || seen[link] {
			continue
		}
		seen[link] = true
		cands = append(cands, candidate{src: it, url: link, published: published(it, now)})
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		switch {
		case a.published.IsZero() && b.published.IsZero():
			return 0
		case a.published.IsZero():
			return 1
		case b.published.IsZero():
			return -1
		}
		return b.published.Compare(a.published)
	})
	cands = cands[:min(len(cands), maxItems)]

	items := make([]Item, 0, len(cands))
	for _, c := range cands {
		summary := plainText(c.src.Description, maxSummaryRunes)
		if summary == "" {
			summary = plainText(c.src.Content, maxSummaryRunes)
		}
		items = append(items, Item{
			URL:       c.url,
			GUID:      truncateBytes(strings.TrimSpace(c.src.GUID), maxGUIDBytes),
			Title:     plainText(c.src.Title, maxTitleRunes),
			Summary:   summary,
			Published: c.published,
		})
	}
	return items
}

// itemLink is the item's first usable link: RSS <link>, Atom's
// rel="alternate" link (gofeed has applied xml:base), JSON Feed's url, then
// the item's other links (Atom links without rel, JSON Feed's external_url).
// The GUID is not used: Atom ids and JSON Feed ids need not be
// dereferenceable, and RSS guids often are not either.
func itemLink(it *gofeed.Item, base *url.URL) string {
	if link := resolve(it.Link, base); link != "" {
		return link
	}
	for _, l := range it.Links {
		if link := resolve(l, base); link != "" {
			return link
		}
	}
	return ""
}

// resolve makes raw absolute against base and returns it if it is an http(s)
// URL with a host and without userinfo (fetch refuses those, and in a feed
// they are more likely a trick than a login), else "".
func resolve(raw string, base *url.URL) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > fetch.MaxURLLength {
		return ""
	}
	u, err := base.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	// A longer link could not be fetched.
	link := u.String()
	if len(link) > fetch.MaxURLLength {
		return ""
	}
	return link
}

// published is the item's publication date, else its update date, in UTC;
// zero when it has neither or when it is more than maxFutureSkew after now.
func published(it *gofeed.Item, now time.Time) time.Time {
	t := it.PublishedParsed
	if t == nil {
		t = it.UpdatedParsed
	}
	if t == nil || t.After(now.Add(maxFutureSkew)) {
		return time.Time{}
	}
	return t.UTC()
}
