package stories

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/italian"
	"github.com/blevesearch/snowballstem/portuguese"
	"github.com/blevesearch/snowballstem/russian"
	"github.com/blevesearch/snowballstem/spanish"
)

// Analyzer turns running text into index terms for one language: lower-cased words
// without stop words, reduced by the language's stemmer, and the entity terms
// (names, numbers, quoted phrases) the entity finder reads with the language's
// rules.
//
// Every term of a language other than English carries its language as a tag
// ("de:haus", "e:de:angela merkel"): the document frequencies, the candidate index
// and the vectors of two languages then never mix, so a German word is weighted by
// how common it is in German and never meets an English word of the same spelling.
// English terms carry none, so the indexes stored before there were other languages
// read as they did. Entity terms are tagged too: the names an English and a German
// article share could link the two, but no development corpus has two languages to
// measure whether that joins the right stories, so they are kept apart for now.
type Analyzer struct {
	lang string
	// tag prefixes every term: "" for English, "de:" for German.
	tag       string
	stop      map[string]bool
	glue      map[string]bool // words that never make a number's unit
	connector map[string]bool // lower-case words that may sit inside a name
	stem      func(string) string
	// elisions are the elided articles and prepositions written with an
	// apostrophe ("l'Italia", "d'Avignon"), split off their word; nil for
	// languages that write none.
	elisions map[string]bool
	// nounCaps marks a language that capitalises every noun (German): there a
	// capitalised word is a name only if it is not a known common noun, has no
	// noun suffix and never follows a determiner in the text (see isCommonNoun).
	nounCaps    bool
	nouns       map[string]bool
	determiners map[string]bool
}

// maxTermBytes drops tokens longer than any real word (URLs, base64, glued text) so
// they cannot bloat the document-frequency table.
const maxTermBytes = 40

// analyzerFor returns the analyzer for a language (an ISO 639 code from Language,
// or any BCP 47 tag). An empty or unknown-language tag gets English, what the
// index held before it knew other languages; a language without an analyzer of
// its own gets the generic one (lower case, no stemming, tagged by its code).
func analyzerFor(lang string) *Analyzer {
	base := baseLanguage(lang)
	if len(lang) > 4 && strings.EqualFold(lang[:4], "und-") {
		base = strings.ToLower(lang) // a script's generic analyzer: "und-cyrl:"
	}
	if base == "" || base == "en" {
		return english
	}
	if a, ok := analyzers[base]; ok {
		return a
	}
	return genericAnalyzer(base)
}

// english is immutable after init, as are the other analyzers; sharing them is safe.
var english = &Analyzer{lang: "en", stop: wordSet(englishStop), glue: englishGlue, connector: nameConnectors, stem: stemEnglish}

// analyzers holds the languages with an analyzer of their own besides English:
// Snowball's stemmer and stop list for each (see lang_stop.go).
var analyzers = map[string]*Analyzer{
	"de": {lang: "de", tag: "de:", stop: wordSet(germanStop), connector: withConnectors("von vom zu der van de"),
		stem: snowball(german.Stem), nounCaps: true, nouns: wordSet(germanNouns), determiners: wordSet(germanDeterminers)},
	"fr": {lang: "fr", tag: "fr:", stop: wordSet(frenchStop), connector: withConnectors("de du des la le d l"),
		stem: snowball(french.Stem), elisions: wordSet("l d j m n s t c qu jusqu lorsqu puisqu quoiqu")},
	"es": {lang: "es", tag: "es:", stop: wordSet(spanishStop), connector: withConnectors("de del la las los y"), stem: snowball(spanish.Stem)},
	"it": {lang: "it", tag: "it:", stop: wordSet(italianStop), connector: withConnectors("di del della dei degli da de d"),
		stem: snowball(italian.Stem), elisions: wordSet("l d c s m t n un dell all dall nell sull coll quell quest nessun")},
	"pt": {lang: "pt", tag: "pt:", stop: wordSet(portugueseStop), connector: withConnectors("de do da dos das e"), stem: snowball(portuguese.Stem)},
	"nl": {lang: "nl", tag: "nl:", stop: wordSet(dutchStop), connector: withConnectors("van der den de ter ten het"), stem: snowball(dutch.Stem)},
	"ru": {lang: "ru", tag: "ru:", stop: wordSet(russianStop), connector: nameConnectors, stem: snowball(russian.Stem)},
}

// genericAnalyzer reads a language Parallax has no rules for: words lower-cased,
// not stemmed (a wrong stemmer merges more than no stemmer), and no stop words (a
// list would be one per language; the inverse document frequency of the
// language's own terms discounts its function words once the index has seen a few
// of its articles). Capitalised runs still make names, as in most scripts that
// have capitals.
func genericAnalyzer(code string) *Analyzer {
	return &Analyzer{lang: code, tag: code + ":", connector: nameConnectors, stem: func(w string) string { return w }}
}

// snowball adapts a Snowball stemmer (github.com/blevesearch/snowballstem, the
// Snowball project's own algorithms compiled to Go) to a word function.
func snowball(stem func(*snowballstem.Env) bool) func(string) string {
	return func(w string) string {
		env := snowballstem.NewEnv(w)
		stem(env)
		return env.Current()
	}
}

// Words calls fn for each index term of text, in order.
func (a *Analyzer) Words(text string, fn func(term string)) {
	a.words(a.tokenize(text), fn)
}

// words calls fn for each index term among toks, in order.
func (a *Analyzer) words(toks []token, fn func(term string)) {
	for _, tok := range toks {
		w := tok.lower
		if len(w) > maxTermBytes || a.stop[w] {
			continue
		}
		if isNumber(w) {
			if len(w) < 2 { // single digits say nothing about the event
				continue
			}
			fn(a.tag + w)
			continue
		}
		if utf8.RuneCountInString(w) < 2 {
			continue
		}
		fn(a.tag + a.stem(w))
	}
}

// isGlue reports whether w (lower case) cannot be a number's unit: for English the
// glue list, for other languages any stop word.
func (a *Analyzer) isGlue(w string) bool {
	if a.glue != nil {
		return a.glue[w]
	}
	return a.stop[w]
}

// tokenize splits text into tokens, splitting the language's elisions off.
func (a *Analyzer) tokenize(text string) []token {
	return tokenizeElided(text, a.elisions)
}

// token is one word of running text.
type token struct {
	text     string // as written, apostrophes dropped ("Don't" → "Dont")
	lower    string // text lower-cased
	sentence bool   // it starts a sentence, which the entity finder needs
}

// tokenize splits text into word tokens: runs of letters and digits, keeping inner
// apostrophes and hyphens out (they split), and marks each that starts a sentence
// (after ., !, ? or at the beginning). Analyze tokenises a text once and hands the
// tokens to every step that reads words.
func tokenize(text string) []token {
	return tokenizeElided(text, nil)
}

// tokenizeElided is tokenize that ends a word at an apostrophe when what comes
// before it is one of elisions (lower case): French "l'Élysée" gives "l" and
// "Élysée", where English "O'Brien" stays "OBrien".
func tokenizeElided(text string, elisions map[string]bool) []token {
	toks := make([]token, 0, len(text)/6) // about one word per six bytes of English
	add := func(word string, sentence bool) {
		word = strings.ReplaceAll(word, "'", "")
		toks = append(toks, token{word, strings.ToLower(word), sentence})
	}
	start := -1
	sentence := true
	for i, r := range text {
		if r == '\'' && start >= 0 && elisions != nil && i+1 < len(text) && isLetterAt(text, i+1) && elisions[strings.ToLower(text[start:i])] {
			add(text[start:i], sentence)
			sentence = false
			start = i + 1
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' && start >= 0 && i+1 < len(text) && isLetterAt(text, i+1) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			add(text[start:i], sentence)
			sentence = false
			start = -1
		}
		switch r {
		case '.', '!', '?', '\n', '"', '“', ':':
			sentence = true
		}
	}
	if start >= 0 {
		add(text[start:], sentence)
	}
	return toks
}

func isLetterAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

func isNumber(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return w != ""
}

func wordSet(words string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// stemEnglish is a light suffix stripper in the spirit of Harman's S-stemmer (1991)
// extended with -ing/-ed/-ly: it folds plurals and common inflections ("shootings",
// "shooting", "shot" stays) without the over-reach of Porter's stemmer, which
// merges words like "news"/"new" and "police"/"policy" that tell stories apart.
func stemEnglish(w string) string {
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies") && !strings.HasSuffix(w, "eies") && !strings.HasSuffix(w, "aies"):
		return w[:n-3] + "y"
	case n > 4 && (strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "xes")):
		return w[:n-2]
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:n-1]
		n--
	}
	switch {
	case n > 5 && strings.HasSuffix(w, "ing"):
		return undouble(w[:n-3])
	case n > 4 && strings.HasSuffix(w, "ed") && !strings.HasSuffix(w, "eed"):
		return undouble(w[:n-2])
	case n > 5 && strings.HasSuffix(w, "ly"):
		return w[:n-2]
	}
	return w
}

// undouble folds "stopp" (from "stopped") to "stop" so both inflections meet.
func undouble(w string) string {
	n := len(w)
	if n > 3 && w[n-1] == w[n-2] && strings.IndexByte("bdgmnprt", w[n-1]) >= 0 {
		return w[:n-1]
	}
	return w
}

// englishStop is a common English stop list (articles, pronouns, auxiliaries,
// prepositions, conjunctions) plus reporting verbs and time words that appear in
// every news story and so tell none apart.
const englishStop = `a about above after again against all almost also although always am among an and
another any anyone anything are around as at back be became because become been before being below
between both but by came can cannot could did do does doing done down during each either else even
ever every few for from further get gets getting go goes going gone got had has have having he her
here hers herself him himself his how however i if in into is it its itself just last least less
let like made make many may me might more most much must my myself never new next no nor not now of
off often on once one only or other others our ours ourselves out over own per put quite rather
really said same say says saying see seen several she should since so some still such than that the
their theirs them themselves then there these they this those though through thus to together too
told toward towards under until up upon us very via was we well were what when where whether which
while who whom whose why will with within without would yet you your yours yourself yourselves
mr mrs ms dr according also monday tuesday wednesday thursday friday saturday sunday today yesterday
tomorrow week weeks year years day days time times am pm news report reported reports reporting
people including told tell asked ask added statement`
