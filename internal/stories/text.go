package stories

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Analyzer turns running text into index terms for one language: lower-cased words
// without stop words, reduced by a light stemmer. Other languages plug in by adding
// an Analyzer with their own stop list and stemmer to analyzerFor.
type Analyzer struct {
	lang string
	stop map[string]bool
	stem func(string) string
}

// maxTermBytes drops tokens longer than any real word (URLs, base64, glued text) so
// they cannot bloat the document-frequency table.
const maxTermBytes = 40

// analyzerFor returns the analyzer for a BCP 47 language tag. English is the default,
// because it is what the registry and the evaluation data cover today.
func analyzerFor(lang string) *Analyzer {
	return english
}

// english is immutable after init; sharing it is safe.
var english = &Analyzer{lang: "en", stop: wordSet(englishStop), stem: stemEnglish}

// Words calls fn for each index term of text, in order.
func (a *Analyzer) Words(text string, fn func(term string)) {
	a.words(tokenize(text), fn)
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
			fn(w)
			continue
		}
		if utf8.RuneCountInString(w) < 2 {
			continue
		}
		fn(a.stem(w))
	}
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
	toks := make([]token, 0, len(text)/6) // about one word per six bytes of English
	add := func(word string, sentence bool) {
		word = strings.ReplaceAll(word, "'", "")
		toks = append(toks, token{word, strings.ToLower(word), sentence})
	}
	start := -1
	sentence := true
	for i, r := range text {
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
