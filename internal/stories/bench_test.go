package stories

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// benchArticle writes a deterministic news-like text of n words: lower-case words,
// capitalised names (some in runs), numbers with units, quoted phrases and sentence
// ends, so that every part of Analyze has work to do.
func benchArticle(r *rand.Rand, n int) string {
	words := strings.Fields(`bridge collapsed river officials firefighters rescued injured hospital
		council mayor election voters count storm power homes crews restore budget schools parks debate
		shooting police suspect arrested charged victims witnesses street avenue block neighbours
		investigation court judge trial evidence prosecutors defence jury verdict sentence appeal
		company shares market investors profits losses workers strike union wages talks agreement
		the a of and in on at to for with said was were has had by from that this it its`)
	names := strings.Fields(`Kestrelford Harbour Wenn Marlow Susan Gale Daniel Okafor Dunmore Aden
		Bank England NSA Snowden Berlin Yakima County Cerise Avenue Detroit`)
	units := strings.Fields(`people year pirates homes block officers victims percent`)
	var b strings.Builder
	start := true
	for i := 0; i < n; i++ {
		switch x := r.IntN(100); {
		case x < 12:
			fmt.Fprintf(&b, "%s %s ", names[r.IntN(len(names))], names[r.IntN(len(names))])
		case x < 16:
			fmt.Fprintf(&b, "%d %s ", r.IntN(90)+2, units[r.IntN(len(units))])
		case x < 18:
			fmt.Fprintf(&b, "%q ", words[r.IntN(len(words))]+" "+words[r.IntN(len(words))])
		default:
			w := words[r.IntN(len(words))]
			if start {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			b.WriteString(w)
			b.WriteByte(' ')
		}
		start = r.IntN(12) == 0
		if start {
			b.WriteString(". ")
		}
	}
	return b.String()
}

// BenchmarkAnalyze measures feature extraction for one full-length article, in a
// declared language and in none. The synthetic text is too unlike real English for
// the stop-word vote, so the undeclared case pays for the trigram detector, as a
// real page would only in a language without a stop list.
func BenchmarkAnalyze(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	text := benchArticle(r, 600)
	for _, lang := range []string{"en", ""} {
		b.Run("lang="+lang, func(b *testing.B) {
			d := Doc{Title: "Kestrelford Harbour Bridge collapses into the River Wenn", Text: text, Lang: lang}
			b.ReportAllocs()
			for b.Loop() {
				Analyze(d)
			}
		})
	}
}

// BenchmarkMatch measures matching one prepared article as the store path does:
// Keys, decoding 24 candidate centroids, Match, Add to the best, IndexKeys and
// Marshal.
func BenchmarkMatch(b *testing.B) {
	cfg := DefaultConfig()
	r := rand.New(rand.NewPCG(3, 4))
	df := DocFreq{Docs: 1000, Counts: map[string]int64{}}
	var blobs []string
	for range 24 {
		var c Centroid
		for j := range 6 {
			f := Analyze(Doc{Title: benchArticle(r, 10), Text: benchArticle(r, 400)})
			for _, k := range f.Keys() {
				df.Counts[k] += int64(r.IntN(50))
			}
			cfg.Add(&c, cfg.Prepare(f, df, time.Time{}), fmt.Sprint(j), "headline")
		}
		blob, err := c.MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		blobs = append(blobs, string(blob))
	}
	f := Analyze(Doc{Title: benchArticle(r, 10), Text: benchArticle(r, 400)})
	b.ReportAllocs()
	for b.Loop() {
		p := cfg.Prepare(f, df, time.Time{})
		cfg.Keys(p)
		cands := make([]*Centroid, len(blobs))
		for i, blob := range blobs {
			cands[i] = &Centroid{}
			if err := cands[i].Decode(blob); err != nil {
				b.Fatal(err)
			}
		}
		best, _ := cfg.Match(p, cands)
		s := cands[max(best, 0)]
		cfg.Add(s, p, "x", "headline")
		cfg.IndexKeys(s)
		if _, err := s.MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
}
