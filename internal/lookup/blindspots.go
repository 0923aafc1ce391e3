package lookup

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

const (
	// BlindspotWindow is how recently a story must have been updated to be a
	// current blindspot: a week is what a reader catching up on the news looks back
	// over, and older coverage says little about what a side is missing now.
	BlindspotWindow = 7 * 24 * time.Hour
	// blindspotPage is how many stories one listing read returns.
	blindspotPage = store.MaxListing
)

// Blindspots are the current blindspot stories (see stories.BlindspotOf) of each
// side, most recently updated first.
type Blindspots struct {
	Left  []store.Summary // stories the left's outlets missed
	Right []store.Summary // stories the right's outlets missed
}

// Blindspots finds the stories updated within BlindspotWindow that are blindspots
// for the left or the right, up to limit of each (store.MaxListing when limit is 0
// or larger). It reads no articles: the outlets a listing records for each story
// are what the rule needs. The scan is bounded: the most recently updated stories
// down to the window's edge and the best-covered ones down to
// stories.BlindspotMinRated outlets (fewer cannot make a blindspot), each listing
// to store.MaxListingDepth stories, in pages of store.MaxListing. The two reads
// complement each other: the recent listing alone misses a big story updated
// yesterday among a day's thousand small ones, the coverage listing alone a new
// one among a month's bigger ones.
func (s *Service) Blindspots(ctx context.Context, limit int) (Blindspots, error) {
	if limit <= 0 || limit > store.MaxListing {
		limit = store.MaxListing
	}
	since := time.Now().Add(-BlindspotWindow)
	seen := map[string]bool{}
	var out Blindspots
	visit := func(sum store.Summary) {
		if seen[sum.ID] || sum.Updated.Before(since) {
			return
		}
		seen[sum.ID] = true
		b := stories.BlindspotOf(sum.Sources, s.Facts)
		switch {
		case b == nil:
		case b.Side == outlets.SideLeft:
			out.Left = append(out.Left, sum)
		case b.Side == outlets.SideRight:
			out.Right = append(out.Right, sum)
		}
	}
	scans := []struct {
		by   string
		done func(store.Summary) bool // no later story of the listing can count
	}{
		{store.ByRecent, func(sum store.Summary) bool { return sum.Updated.Before(since) }},
		{store.ByCoverage, func(sum store.Summary) bool { return len(sum.Sources) < stories.BlindspotMinRated }},
	}
	for _, sc := range scans {
		if err := s.scan(ctx, sc.by, sc.done, visit); err != nil {
			return Blindspots{}, err
		}
	}
	for _, l := range []*[]store.Summary{&out.Left, &out.Right} {
		slices.SortFunc(*l, func(a, b store.Summary) int {
			if c := b.Updated.Compare(a.Updated); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
		*l = (*l)[:min(len(*l), limit)]
	}
	return out, nil
}

// scan visits the stories of a listing in its order, page by page, until done says
// no later story can count or the listing ends (at store.MaxListingDepth).
func (s *Service) scan(ctx context.Context, by string, done func(store.Summary) bool, visit func(store.Summary)) error {
	for offset := 0; offset < store.MaxListingDepth; offset += blindspotPage {
		page, err := s.store.ListStories(ctx, store.ListOptions{By: by, Offset: offset, Limit: blindspotPage})
		if err != nil {
			return fmt.Errorf("lookup: blindspots: %w", err)
		}
		for _, sum := range page {
			if done(sum) {
				return nil
			}
			visit(sum)
		}
		if len(page) < blindspotPage {
			return nil
		}
	}
	return nil
}
