package stories

import (
	"hash/fnv"
	"math/bits"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Doc is what the matcher reads of an article.
type Doc struct {
	Title     string
	Text      string
	Lang      string
	Published time.Time // zero when unknown
}

// Bounds on the work one document costs, whatever its size.
const (
	// bodyWords is how much of the body the matcher reads. News puts the event in the
	// first paragraphs (the inverted pyramid); later text drifts into background that
	// other stories share. Miranda et al. (2018) and our own runs use ~400 words.
	bodyWords = 400
	// maxTitleBytes cuts absurd titles (some pages put the whole lead in <title>).
	maxTitleBytes = 600
	// maxEntityWords is the longest capitalised run kept as one entity.
	maxEntityWords = 5
	// simhashMinTokens: below this a body is too short for a copy check to mean
	// anything (two short briefs agree by chance).
	simhashMinTokens = 60
)

// Features are the raw term counts of a document, before weighting.
type Features struct {
	Title    map[string]float64 // words of the headline
	Body     map[string]float64 // words of the first bodyWords of text
	Entities map[string]float64 // names, quoted phrases, numbers with their unit
	SimHash  uint64             // fingerprint of the body's word 3-shingles; 0 when too short
}

// Keys returns every distinct term of f once: what a document adds to the
// document frequencies.
func (f Features) Keys() []string {
	seen := make(map[string]bool, len(f.Title)+len(f.Body)+len(f.Entities))
	var keys []string
	for _, m := range []map[string]float64{f.Title, f.Body, f.Entities} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// Analyze computes the features of d.
func Analyze(d Doc) Features {
	an := analyzerFor(d.Lang)
	title := truncateBytes(d.Title, maxTitleBytes)
	body := firstWords(d.Text, bodyWords)
	f := Features{
		Title:    map[string]float64{},
		Body:     map[string]float64{},
		Entities: map[string]float64{},
	}
	an.Words(title, func(t string) { f.Title[t]++ })
	an.Words(body, func(t string) { f.Body[t]++ })
	if !mostlyCapitalised(title) {
		an.entities(title, f.Entities)
	}
	an.entities(body, f.Entities)
	f.SimHash = simhash(body)
	return f
}

// entities adds entity-like terms of text to m: runs of capitalised words ("Joe
// Sestak", "Cerise Avenue", "NSA") and their last word (a surname alone often names
// the same person later in a story), quoted short phrases, and numbers together with
// the word after them ("13500 block", "22 year", "3 people"). These are what tell
// apart two events of the same kind: two shootings differ in town, street, victim
// and age, not in vocabulary.
func (a *Analyzer) entities(text string, m map[string]float64) {
	var run []string
	flush := func() {
		// Drop connector words at the end ("Bank of").
		for len(run) > 0 && connector[strings.ToLower(run[len(run)-1])] {
			run = run[:len(run)-1]
		}
		if len(run) > 0 && len(run) <= maxEntityWords {
			words := make([]string, len(run))
			for i, w := range run {
				words[i] = strings.ToLower(w)
			}
			m["e:"+strings.Join(words, " ")]++
			if len(words) > 1 {
				m["e:"+words[len(words)-1]]++
			}
		}
		run = run[:0]
	}
	var prevNum string
	forEachToken(text, func(tok string, sentenceStart bool) {
		lower := strings.ToLower(tok)
		if prevNum != "" {
			if !isNumber(lower) && !glue[lower] && len(lower) <= maxTermBytes {
				m["n:"+prevNum+" "+a.stem(lower)]++
			}
			prevNum = ""
		}
		if isNumber(tok) {
			flush()
			prevNum = tok
			return
		}
		r, _ := utf8.DecodeRuneInString(tok)
		switch {
		case unicode.IsUpper(r):
			if sentenceStart && len(run) == 0 && a.stop[lower] {
				return // "The", "But" opening a sentence
			}
			if sentenceStart && len(run) > 0 {
				flush()
			}
			run = append(run, tok)
		case len(run) > 0 && connector[lower]:
			run = append(run, tok)
		default:
			flush()
		}
	})
	flush()
	for _, q := range quoted(text) {
		m["q:"+q]++
	}
}

// glue words never make a number's unit ("4 of", "10 and"); other stop words may
// ("58 year", "3 people").
var glue = map[string]bool{"a": true, "an": true, "the": true, "of": true, "and": true, "or": true, "in": true, "on": true, "at": true, "to": true, "for": true, "by": true, "from": true, "with": true, "as": true, "is": true, "was": true, "were": true, "be": true, "am": true, "pm": true, "s": true}

// connector words may sit inside a name: "Bank of America", "Charles de Gaulle".
var connector = map[string]bool{"of": true, "de": true, "la": true, "van": true, "von": true, "al": true, "bin": true, "del": true, "da": true, "du": true, "le": true}

// maxQuotedWords bounds what counts as a quoted name rather than a quotation.
const maxQuotedWords = 4

// quoted returns the lower-cased short phrases of text inside double quotes.
func quoted(text string) []string {
	var out []string
	for {
		i := strings.IndexAny(text, "\"“")
		if i < 0 {
			return out
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		text = text[i+size:]
		j := strings.IndexAny(text, "\"”")
		if j < 0 {
			return out
		}
		phrase := strings.Fields(strings.ToLower(strings.Trim(text[:j], " ,.'")))
		if n := len(phrase); n >= 1 && n <= maxQuotedWords {
			out = append(out, strings.Join(phrase, " "))
		}
		_, size = utf8.DecodeRuneInString(text[j:])
		text = text[j+size:]
	}
}

// mostlyCapitalised reports whether a headline is in Title Case, where capitals say
// nothing about names.
func mostlyCapitalised(s string) bool {
	caps, words := 0, 0
	forEachToken(s, func(tok string, _ bool) {
		r, _ := utf8.DecodeRuneInString(tok)
		if unicode.IsLetter(r) {
			words++
			if unicode.IsUpper(r) {
				caps++
			}
		}
	})
	return words > 0 && caps*10 >= words*6
}

// simhash is Charikar's fingerprint over word 3-shingles: near-identical texts (wire
// copies with a changed byline or headline) differ in a few bits, unrelated texts in
// about half of them.
func simhash(text string) uint64 {
	var toks []string
	forEachToken(text, func(tok string, _ bool) { toks = append(toks, strings.ToLower(tok)) })
	if len(toks) < simhashMinTokens {
		return 0
	}
	var acc [64]int
	h := fnv.New64a()
	for i := 0; i+3 <= len(toks); i++ {
		h.Reset()
		h.Write([]byte(toks[i]))
		h.Write([]byte{' '})
		h.Write([]byte(toks[i+1]))
		h.Write([]byte{' '})
		h.Write([]byte(toks[i+2]))
		v := h.Sum64()
		for b := range 64 {
			if v&(1<<b) != 0 {
				acc[b]++
			} else {
				acc[b]--
			}
		}
	}
	var out uint64
	for b := range 64 {
		if acc[b] > 0 {
			out |= 1 << b
		}
	}
	if out == 0 {
		out = 1 // 0 means "no fingerprint"
	}
	return out
}

// hamming returns the number of differing bits.
func hamming(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// firstWords returns the prefix of s holding its first n whitespace-separated words.
func firstWords(s string, n int) string {
	count := 0
	inWord := false
	for i, r := range s {
		if unicode.IsSpace(r) {
			if inWord {
				count++
				if count == n {
					return s[:i]
				}
			}
			inWord = false
			continue
		}
		inWord = true
	}
	return s
}

func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
