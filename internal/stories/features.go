package stories

import (
	"fmt"
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
	// People are the surnames of the people the headline names (see
	// headlinePeople), as entity terms.
	People []string
	// Lang is the language the document was read in (see Language): an ISO 639
	// code, "und-" and a script for a short text of a script with many
	// languages, "" when undetermined (read as English).
	Lang string
}

// Keys returns every distinct term of f once: what a document adds to the
// document frequencies.
func (f Features) Keys() []string {
	keys := make([]string, 0, len(f.Title)+len(f.Body)+len(f.Entities))
	for k := range f.Body {
		keys = append(keys, k)
	}
	for k := range f.Title {
		if _, dup := f.Body[k]; !dup {
			keys = append(keys, k)
		}
	}
	// Entity terms carry a prefix ("e:", "n:", "q:") no word has: never a duplicate.
	for k := range f.Entities {
		keys = append(keys, k)
	}
	return keys
}

// Analyze computes the features of d, in its language (see Language).
func Analyze(d Doc) Features {
	return analyze(d, false)
}

// Analyze is the package's Analyze, or, when c.EnglishOnly, the same reading every
// text as English.
func (c Config) Analyze(d Doc) Features {
	return analyze(d, c.EnglishOnly)
}

func analyze(d Doc, englishOnly bool) Features {
	title := truncateBytes(d.Title, maxTitleBytes)
	body := firstWords(d.Text, bodyWords)
	lang := "en"
	if !englishOnly {
		lang = Language(Doc{Title: title, Text: body, Lang: d.Lang})
	}
	an := analyzerFor(lang)
	titleToks, bodyToks := an.tokenize(title), an.tokenize(body)
	if d.Lang != "" && !englishOnly && !an.plausible(bodyToks) {
		// The page declares a language its text is not in. Only the stop-word
		// vote may overrule it: it is cheap, and it names a language only for
		// running text with many stop words of one list, where a table, a
		// list of names or made-up words (the benchmarks' text) have none.
		if det := stopVote(bodyToks, minVoteShare, voteMargin); det != "" && det != an.lang {
			lang, an = det, analyzerFor(det)
			titleToks, bodyToks = an.tokenize(title), an.tokenize(body)
		}
	}
	// Sized for the usual share of distinct terms, so the maps rarely grow.
	f := Features{
		Title:    make(map[string]float64, len(titleToks)),
		Body:     make(map[string]float64, len(bodyToks)/2),
		Entities: make(map[string]float64, len(bodyToks)/8),
	}
	an.words(titleToks, func(t string) { f.Title[t]++ })
	an.words(bodyToks, func(t string) { f.Body[t]++ })
	if !mostlyCapitalised(titleToks) {
		an.entities(title, titleToks, f.Entities)
	}
	an.entities(body, bodyToks, f.Entities)
	f.Entities = shortKeys(f.Entities)
	f.SimHash = simhash(bodyToks)
	f.Lang = lang
	f.People = an.headlinePeople(title)
	return f
}

// maxKeyBytes bounds an entity term. Long runs ("e:federal emergency management
// agency director"), are rare and would push the document-frequency hash they land in
// out of Redis's compact encoding (64-byte fields), so they keep a prefix and a hash
// of the rest: still one distinct term each.
const maxKeyBytes = 48

func shortKeys(m map[string]float64) map[string]float64 {
	for k, v := range m {
		if len(k) <= maxKeyBytes {
			continue
		}
		h := fnv.New32a()
		h.Write([]byte(k))
		short := fmt.Sprintf("%s~%08x", truncateBytes(k, maxKeyBytes-9), h.Sum32())
		delete(m, k)
		m[short] += v
	}
	return m
}

// entities adds entity-like terms of text to m: runs of capitalised words ("Joe
// Sestak", "Cerise Avenue", "NSA") and their last word (a surname alone often names
// the same person later in a story), quoted short phrases, and numbers together with
// the word after them ("13500 block", "22 year", "3 people"). These are what tell
// apart two events of the same kind: two shootings differ in town, street, victim
// and age, not in vocabulary. toks are text's tokens.
func (a *Analyzer) entities(text string, toks []token, m map[string]float64) {
	// Words the text also uses in lower case are ordinary words wherever they are
	// capitalised ("Police said", "Published Friday"), not names.
	lowerUsed := map[string]bool{}
	for _, tok := range toks {
		if r, _ := utf8.DecodeRuneInString(tok.text); unicode.IsLower(r) {
			lowerUsed[tok.text] = true
		}
	}
	var articled map[string]bool
	if a.nounCaps {
		articled = a.articledNouns(toks)
	}
	var run []token
	flush := func() {
		// Drop connector words at the end ("Bank of").
		// and stop words at the start ("The Yakima County", "A Detroit man").
		for len(run) > 0 && a.connector[run[len(run)-1].lower] {
			run = run[:len(run)-1]
		}
		for len(run) > 0 && a.stop[run[0].lower] {
			run = run[1:]
		}
		if a.nounCaps {
			// Common nouns around a name are its title or context ("Kanzler
			// Olaf Scholz", "Regierung Merkel"); a run that is nothing else is
			// no name, nor is a lone capitalised word opening a sentence, which
			// in German is as often a noun or an adverb as a name.
			for len(run) > 0 && (a.isCommonNoun(run[0].lower, articled) || a.stop[run[0].lower]) {
				run = run[1:]
			}
			for len(run) > 0 && (a.isCommonNoun(run[len(run)-1].lower, articled) || a.connector[run[len(run)-1].lower]) {
				run = run[:len(run)-1]
			}
			if len(run) == 1 && run[0].sentence {
				run = run[:0]
			}
		}
		if len(run) > 0 && len(run) <= maxEntityWords {
			words := make([]string, len(run))
			for i, w := range run {
				words[i] = w.lower
			}
			if a.nameLike(words) && !(len(words) == 1 && lowerUsed[words[0]]) {
				m["e:"+a.tag+strings.Join(words, " ")]++
			}
			if last := words[len(words)-1]; len(words) > 1 && a.nameLike(words[len(words)-1:]) && !lowerUsed[last] {
				m["e:"+a.tag+last]++
			}
		}
		run = run[:0]
	}
	var prevNum string
	for _, tok := range toks {
		lower := tok.lower
		if prevNum != "" {
			if !isNumber(lower) && !a.isGlue(lower) && len(lower) <= maxTermBytes {
				m["n:"+a.tag+prevNum+" "+a.stem(lower)]++
			}
			prevNum = ""
		}
		if isNumber(tok.text) {
			flush()
			prevNum = tok.text
			if isYear(tok.text) {
				m["y:"+a.tag+tok.text]++
			}
			continue
		}
		r, _ := utf8.DecodeRuneInString(tok.text)
		switch {
		case unicode.IsUpper(r):
			if tok.sentence && len(run) == 0 && a.stop[lower] {
				continue // "The", "But" opening a sentence
			}
			if tok.sentence && len(run) > 0 {
				flush()
			}
			run = append(run, tok)
		case len(run) > 0 && a.connector[lower]:
			run = append(run, tok)
		default:
			flush()
		}
	}
	flush()
	for _, q := range quoted(text) {
		m["q:"+a.tag+q]++
	}
}

// isYear reports whether a number reads as a year of today's news. Years are entity
// terms of their own ("y:2011") besides the number with the word after it: two
// events of one kind years apart (two navy rescues, two patches for one browser)
// name different years, whatever word follows.
func isYear(w string) bool {
	return len(w) == 4 && (w[:2] == "19" || w[:2] == "20")
}

// nameLike rejects entity candidates that are one stop word or one or two letters
// ("The", "A", the "C" of "D.C."), which capitals alone do not make names.
func (a *Analyzer) nameLike(words []string) bool {
	if len(words) > 1 {
		return true
	}
	w := words[0]
	return utf8.RuneCountInString(w) > 2 && !a.stop[w]
}

// englishGlue words never make a number's unit ("4 of", "10 and"); other stop
// words may ("58 year", "3 people").
var englishGlue = map[string]bool{"a": true, "an": true, "the": true, "of": true, "and": true, "or": true, "in": true, "on": true, "at": true, "to": true, "for": true, "by": true, "from": true, "with": true, "as": true, "is": true, "was": true, "were": true, "be": true, "am": true, "pm": true, "s": true}

// nameConnectors may sit inside a name in any language's text: "Bank of America",
// "Charles de Gaulle", "Ursula von der Leyen", "Osama bin Laden".
var nameConnectors = map[string]bool{"of": true, "de": true, "la": true, "van": true, "von": true, "al": true, "bin": true, "del": true, "da": true, "du": true, "le": true}

// withConnectors returns nameConnectors with a language's own (space-separated):
// Portuguese "Luiz Inácio Lula da Silva", Dutch "Frans van der Ven".
func withConnectors(words string) map[string]bool {
	m := wordSet(words)
	for w := range nameConnectors {
		m[w] = true
	}
	return m
}

// articledNouns returns the capitalised words of a German text (lower case) that
// the text itself uses as common nouns:
//   - after a determiner, directly or past at most two lower-case words ("die
//     Regierung", "der neue Kanzler");
//   - directly after an inflected adjective ("analoge Prozesse", "neuen Regeln"):
//     a lower-case word ending in -e, -en, -er, -es or -em that is not a stop word
//     nor a past-tense verb (-te, -ten: "betonte Scholz");
//   - in two inflections besides a genitive -s ("Prozesse", "Prozessen"): nouns
//     decline, names rarely do.
func (a *Analyzer) articledNouns(toks []token) map[string]bool {
	out := map[string]bool{}
	forms := map[string]string{} // stem → a capitalised form seen
	left := 0                    // words still allowed before the noun
	for i, tok := range toks {
		upper := firstUpper(tok.text)
		switch {
		case a.determiners[tok.lower]:
			left = 3
		case left > 0 && upper:
			out[tok.lower] = true
			left = 0
		case left > 0:
			left--
		}
		if !upper {
			continue
		}
		if i > 0 {
			if prev := toks[i-1]; !firstUpper(prev.text) && adjectiveLike(prev.lower) && !a.stop[prev.lower] {
				out[tok.lower] = true
			}
		}
		stem := a.stem(tok.lower)
		if seen, ok := forms[stem]; !ok {
			forms[stem] = tok.lower
		} else if seen != tok.lower && seen+"s" != tok.lower && tok.lower+"s" != seen {
			out[seen], out[tok.lower] = true, true
		}
	}
	return out
}

// adjectiveLike reports whether a German lower-case word ends as an inflected
// adjective does and not as a past-tense verb.
func adjectiveLike(w string) bool {
	if strings.HasSuffix(w, "te") || strings.HasSuffix(w, "ten") {
		return false
	}
	for _, suf := range []string{"e", "en", "er", "es", "em"} {
		if len(w) > len(suf)+2 && strings.HasSuffix(w, suf) {
			return true
		}
	}
	return false
}

// isCommonNoun reports whether a capitalised German word (lower case) is a common
// noun rather than a name: a frequent noun of news, a noun by its suffix, or one the
// text puts after a determiner. Names with an article ("die Schweiz", "der
// Bundestag") are lost with them; the measured trade is in lang_test.go.
func (a *Analyzer) isCommonNoun(w string, articled map[string]bool) bool {
	if a.nouns[w] || articled[w] {
		return true
	}
	if utf8.RuneCountInString(w) >= minCompoundRunes {
		return true
	}
	for _, suf := range nounSuffixes {
		if len(w) > len(suf)+2 && strings.HasSuffix(w, suf) {
			return true
		}
	}
	for _, in := range nounInfixes {
		if i := strings.Index(w, in); i > 0 && i+len(in) < len(w) {
			return true
		}
	}
	return false
}

// firstUpper reports whether w starts with an upper-case letter.
func firstUpper(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

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

// mostlyCapitalised reports whether a headline (its tokens) is in Title Case, where
// capitals say nothing about names.
func mostlyCapitalised(toks []token) bool {
	caps, words := 0, 0
	for _, tok := range toks {
		r, _ := utf8.DecodeRuneInString(tok.text)
		if unicode.IsLetter(r) {
			words++
			if unicode.IsUpper(r) {
				caps++
			}
		}
	}
	return words > 0 && caps*10 >= words*6
}

// simhash is Charikar's fingerprint over word 3-shingles: near-identical texts (wire
// copies with a changed byline or headline) differ in a few bits, unrelated texts in
// about half of them. words are the text's tokens.
func simhash(words []token) uint64 {
	if len(words) < simhashMinTokens {
		return 0
	}
	// Hash each token once; a shingle's hash mixes its three token hashes.
	toks := make([]uint64, len(words))
	for i, w := range words {
		toks[i] = fnv64a(w.lower)
	}
	var acc [64]int32
	for i := 0; i+3 <= len(toks); i++ {
		v := mix(toks[i]*0x9e3779b97f4a7c15 ^ bits.RotateLeft64(toks[i+1], 21) ^ bits.RotateLeft64(toks[i+2], 42))
		for b := range 64 {
			acc[b] += int32(v>>b&1)*2 - 1
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

// fnv64a is hash/fnv's 64-bit FNV-1a of s, without a hasher and a []byte copy for
// every token.
func fnv64a(s string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	return h
}

// mix is the splitmix64 finaliser: it spreads the bits of the combined token hashes
// so that every output bit depends on all of them, as SimHash needs.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
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
