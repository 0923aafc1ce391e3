package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parallax-news/parallax/internal/store"
)

// TestPostingLists follows one term's posting list through its life (see
// postScript): inline in its bucket's field while short, newest first, then in a
// key of its own with the ticks it had, re-posts moving a story to the front,
// removals, and the lists of the layout before buckets read beside them.
func TestPostingLists(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			check := func(term string, wantIDs []string, wantTop int64) {
				t.Helper()
				ids, top, err := r.ReadPosting(ctx, term)
				if err != nil || !slices.Equal(ids, wantIDs) || top != wantTop {
					t.Fatalf("posting list of %q = %v, top %d (%v); want %v, top %d", term, ids, top, err, wantIDs, wantTop)
				}
			}
			post := func(sid string, terms ...string) {
				t.Helper()
				if err := r.PostTerms(ctx, sid, terms...); err != nil {
					t.Fatal(err)
				}
			}

			check("bridge", []string{}, 0)
			const inline = store.PostingInline * store.PostingFields
			var sids []string
			for i := range inline {
				sids = append(sids, fmt.Sprintf("sinline%07d", i)) // as long as storyID's
				post(sids[i], "bridge")
			}
			newestFirst := slices.Clone(sids)
			slices.Reverse(newestFirst)
			check("bridge", newestFirst, int64(inline))
			// The newest first, PostingInline to a field, each with the minute and
			// at most 64 bytes.
			for i, field := range r.PostingFieldValues(ctx, "bridge") {
				first := newestFirst[i*store.PostingInline]
				if !strings.HasPrefix(field, fmt.Sprintf("%d:%s ", inline-i*store.PostingInline, first)) || strings.Count(field, ":") != store.PostingInline || !strings.Contains(field, "@") || len(field) > 64 {
					t.Errorf("field %d = %q, want %d entries from %s, the minute, at most 64 bytes", i, field, store.PostingInline, first)
				}
			}
			if got := r.SpilledPosting(ctx, "bridge"); len(got) != 0 {
				t.Errorf("a list of %d stories has a key of its own: %v", inline, got)
			}

			// Stories started before ids were cut have 17 characters: three of them
			// would pass 64 bytes, so their list has a key of its own already.
			for i := range store.PostingInline {
				post(fmt.Sprintf("slong%012d", i), "wildfire")
			}
			if f := r.PostingField(ctx, "wildfire"); f != "" {
				t.Errorf("field %q (%d bytes) for three long ids, want their own key", f, len(f))
			}
			if z := r.SpilledPosting(ctx, "wildfire"); len(z) != store.PostingInline {
				t.Errorf("own list of three long ids = %v", z)
			}
			check("wildfire", []string{"slong000000000002", "slong000000000001", "slong000000000000"}, int64(store.PostingInline))

			// One more story moves the list, ticks and all, to its own key.
			post("sspilled", "bridge")
			want := append([]string{"sspilled"}, newestFirst...)
			check("bridge", want, int64(inline+1))
			for i, f := range r.PostingFieldValues(ctx, "bridge") {
				if f != "" {
					t.Errorf("field %d %q left after the list moved", i, f)
				}
			}
			if z := r.SpilledPosting(ctx, "bridge"); len(z) != len(want) || z[len(z)-1].Score != 1 {
				t.Errorf("own list = %v, want %d stories, the oldest at tick 1", z, len(want))
			}
			// A re-post brings a story to the front with the next tick.
			post(sids[0], "bridge")
			check("bridge", append([]string{sids[0], "sspilled"}, newestFirst[:len(newestFirst)-1]...), int64(inline+2))
			// The list is cut to the newest postingCap.
			for i := range store.PostingCap + 5 {
				post(fmt.Sprintf("smany%010d", i), "bridge")
			}
			if z := r.SpilledPosting(ctx, "bridge"); len(z) != store.PostingCap {
				t.Errorf("own list holds %d stories, want the cap %d", len(z), store.PostingCap)
			}
			if err := r.Unpost(ctx, fmt.Sprintf("smany%010d", store.PostingCap+4), "bridge"); err != nil {
				t.Fatal(err)
			}
			if ids, _, _ := r.ReadPosting(ctx, "bridge"); len(ids) == 0 || ids[0] != fmt.Sprintf("smany%010d", store.PostingCap+3) {
				t.Errorf("after the newest was taken out: %v", ids)
			}

			// Taken out of an inline list of two fields: the fields shrink, then go.
			for i := range store.PostingInline + 1 {
				post(fmt.Sprintf("sflood%d", i), "flood")
			}
			if err := r.Unpost(ctx, "sflood3", "flood"); err != nil {
				t.Fatal(err)
			}
			check("flood", []string{"sflood2", "sflood1", "sflood0"}, 3)
			if f := r.PostingFieldValues(ctx, "flood"); f[1] != "" {
				t.Errorf("three stories left a second field: %q", f)
			}
			if err := r.Unpost(ctx, "sflood1", "flood"); err != nil {
				t.Fatal(err)
			}
			check("flood", []string{"sflood2", "sflood0"}, 3)
			for _, sid := range []string{"sflood0", "sflood2"} {
				if err := r.Unpost(ctx, sid, "flood"); err != nil {
					t.Fatal(err)
				}
			}
			check("flood", []string{}, 0)
			for i, f := range r.PostingFieldValues(ctx, "flood") {
				if f != "" {
					t.Errorf("empty list left field %d: %q", i, f)
				}
			}

			// A list of the layout before buckets is read after the current one,
			// without its stories twice, and taken out of by a merge.
			if err := r.SetLegacyPosting(ctx, "storm", "sold1", "sold2"); err != nil {
				t.Fatal(err)
			}
			check("storm", []string{"sold1", "sold2"}, 0)
			post("snew", "storm")
			post("sold2", "storm")
			check("storm", []string{"sold2", "snew", "sold1"}, 2)
			if err := r.Unpost(ctx, "sold1", "storm"); err != nil {
				t.Fatal(err)
			}
			check("storm", []string{"sold2", "snew"}, 2)
		})
	}
}

// TestPostingSweep: a field whose last post is older than the retention is swept
// out by a later post to its bucket (its fields have no TTL of their own).
func TestPostingSweep(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			// Two terms of one bucket: with at most three fields, a post's sample
			// sees them all.
			stale := ""
			for i := 0; stale == ""; i++ {
				if c := fmt.Sprintf("stale%d", i); store.PostingTag(c) == store.PostingTag("harbour") {
					stale = c
				}
			}
			if err := r.SetPostingField(ctx, stale, "7:sgone@1000"); err != nil {
				t.Fatal(err)
			}
			if ids, _, _ := r.ReadPosting(ctx, stale); !slices.Equal(ids, []string{"sgone"}) {
				t.Fatalf("stale field reads %v", ids)
			}
			if err := r.PostTerms(ctx, "sharbour", "harbour"); err != nil {
				t.Fatal(err)
			}
			if f := r.PostingField(ctx, stale); f != "" {
				t.Errorf("stale field %q left after a post to its bucket", f)
			}
			if ids, _, _ := r.ReadPosting(ctx, "harbour"); !slices.Equal(ids, []string{"sharbour"}) {
				t.Errorf("the fresh field was swept too: %v", ids)
			}
		})
	}
}

// TestPostingFieldsLeftByOlder: an older Parallax knows a term's first field
// only, so the post with which it moves a list of more than three stories to its
// own key leaves the later fields; the next post of this one takes their stories
// into the list.
func TestPostingFieldsLeftByOlder(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			for i := range store.PostingInline + 1 {
				if err := r.PostTerms(ctx, fmt.Sprintf("sriver%d", i), "river"); err != nil {
					t.Fatal(err)
				}
			}
			// [sriver3 sriver2 sriver1] [sriver0]; the older post of sriver8.
			if err := r.SpillFirstField(ctx, "river", "sriver8"); err != nil {
				t.Fatal(err)
			}
			if ids, _, _ := r.ReadPosting(ctx, "river"); !slices.Equal(ids, []string{"sriver8", "sriver3", "sriver2", "sriver1"}) {
				t.Fatalf("after the older post: %v", ids)
			}
			if err := r.PostTerms(ctx, "sriver9", "river"); err != nil {
				t.Fatal(err)
			}
			if ids, _, _ := r.ReadPosting(ctx, "river"); !slices.Equal(ids, []string{"sriver9", "sriver8", "sriver3", "sriver2", "sriver1", "sriver0"}) {
				t.Errorf("after the next post: %v", ids)
			}
			for i, f := range r.PostingFieldValues(ctx, "river") {
				if f != "" {
					t.Errorf("field %d %q left", i, f)
				}
			}
		})
	}
}
