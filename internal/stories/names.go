package stories

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Twin events (issue 15): two events of one kind share their vocabulary and most
// of their names ("Watergate", "Nixon", "Deep Throat"; "Klitschko", "IBF") but
// not the person they are about: Mark Felt's death and Fred LaRue's, Klitschko
// against Hasim Rahman and against Tony Thompson. A headline names that person,
// and a story names its own most often. When the article's headline names someone
// the story never names, and the story's most named person is missing from the
// article, they are two events: see Config.NameConflict.

// headlinePeople returns the surnames of the names of two or more words a headline
// gives, as entity terms: "Fred LaRue, Nixon aide, dies" gives "e:larue". A name
// is a run of capitalised words within one stretch of the headline between
// punctuation (which tokens lose: "LaRue, Nixon" are two names), without stop
// words or connectors at either end ("Hasim Rahman Saturday" is Rahman). A
// headline in title case says nothing of names, nor does a language that
// capitalises its nouns.
func (a *Analyzer) headlinePeople(headline string) []string {
	if a.nounCaps || headline == "" || a.titleCase(a.tokenize(headline)) {
		return nil
	}
	var out []string
	name := func(run []token) {
		for len(run) > 0 && (a.stop[run[0].lower] || a.connector[run[0].lower]) {
			run = run[1:]
		}
		for len(run) > 0 && (a.stop[run[len(run)-1].lower] || a.connector[run[len(run)-1].lower]) {
			run = run[:len(run)-1]
		}
		if len(run) < 2 {
			return
		}
		last := run[len(run)-1].lower
		if k := "e:" + a.tag + last; utf8.RuneCountInString(last) > 2 && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	stretch := func(s string) {
		var run []token
		for _, t := range a.tokenize(s) {
			r, _ := utf8.DecodeRuneInString(t.text)
			switch {
			case unicode.IsUpper(r), len(run) > 0 && a.connector[t.lower]:
				run = append(run, t)
			default:
				name(run)
				run = run[:0]
			}
		}
		name(run)
	}
	start := 0
	for i, r := range headline {
		if r != '\'' && r != '’' && (unicode.IsPunct(r) || unicode.IsSymbol(r)) {
			stretch(headline[start:i])
			start = i + utf8.RuneLen(r)
		}
	}
	stretch(headline[start:])
	return out
}

// titleCase reports whether a headline capitalises every word but its stop words
// ("Paris Store Hit by $2.6 Million Jewelry Heist"): its capitals then say nothing
// of names. mostlyCapitalised, a share, would also take "Mark Felt, 'Deep Throat'
// in Watergate reports, dies" for one.
func (a *Analyzer) titleCase(toks []token) bool {
	for _, t := range toks {
		r, _ := utf8.DecodeRuneInString(t.text)
		if unicode.IsLower(r) && !a.stop[t.lower] && !a.connector[t.lower] {
			return false
		}
	}
	return true
}

// protagonists returns the surnames among a story's entity terms, single-word name
// terms that end a longer one ("e:felt" beside "e:mark felt"), that weigh at least
// share of its heaviest name, sorted. each calls its argument with every entity
// term and weight.
func protagonists(each func(func(term string, w float64)), share float64) []string {
	var top float64
	single := map[string]float64{}
	ends := map[string]bool{}
	each(func(t string, w float64) {
		body, ok := strings.CutPrefix(t, "e:")
		if !ok {
			return
		}
		top = max(top, w)
		sp := strings.LastIndexByte(body, ' ')
		if sp < 0 {
			single[t] = w
			return
		}
		tag := "" // a language tag ("de:") comes before the first word
		if i := strings.IndexByte(body, ':'); i >= 0 && i < strings.IndexByte(body, ' ') {
			tag = body[:i+1]
		}
		ends["e:"+tag+body[sp+1:]] = true
	})
	var out []string
	for t, w := range single {
		if ends[t] && w >= share*top {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// heaviestName returns the weight of the heaviest name term ("e:") of v.
func heaviestName(v Vector) float64 {
	var top float64
	for t, w := range v {
		if strings.HasPrefix(t, "e:") {
			top = max(top, w)
		}
	}
	return top
}

// namesDiffer reports whether p and story s are about different people (see the
// top of this file): one of p's people weighing at least NameShare of its
// heaviest name is not among the story's entity terms, and one of the story's
// protagonists is not among p's. A possessive the tokenizer left ("e:palins") is
// read as the name too.
func (c Config) namesDiffer(p Prepared, s *Centroid) bool {
	if len(p.people) == 0 || s.size(2) == 0 {
		return false
	}
	inStory := func(k string) bool {
		return s.dot(2, Vector{k: 1}) > 0 || strings.HasSuffix(k, "s") && s.dot(2, Vector{k[:len(k)-1]: 1}) > 0
	}
	inDoc := func(k string) bool {
		return p.Entities[k] > 0 || strings.HasSuffix(k, "s") && p.Entities[k[:len(k)-1]] > 0
	}
	top, unknown := heaviestName(p.Entities), false
	for _, k := range p.people {
		if p.Entities[k] >= c.NameShare*top && !inStory(k) {
			unknown = true
			break
		}
	}
	if !unknown {
		return false
	}
	for _, k := range s.protagonists(c.NameShare) {
		if !inDoc(k) {
			return true
		}
	}
	return false
}
