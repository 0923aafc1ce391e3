package stories

import (
	"strings"
	"unicode"

	"github.com/abadojack/whatlanggo"
	"golang.org/x/text/language"
)

// Language detection, for pages that declare no language.
//
// The detector is whatlanggo (a port of whatlang-rs: trigram profiles of 84
// languages in 400 KB, no dependencies) rather than lingua-go, whose models take
// 124 MB of binary and memory for accuracy gains that are on short texts, which
// Parallax does not detect on anyway (see minDetectLetters).
//
// The thresholds were measured. On the development corpora (all English, none
// declaring a language), the first 400 words of every BASIL and gun violence
// article and of 752 of the 772 ECB+ articles are read as English, the other 20
// are too unsure to tell (read as English all the same); the Google News
// headlines (six cleaned words each) are all too short, and detecting on them
// anyway gave one of 60 languages. whatlanggo's own "reliable" confidence (0.8)
// lost close pairs on real text: a Dutch news paragraph scores 0.54–0.73 against
// Afrikaans.
const (
	// detectBytes bounds what the detector reads: the title and the first few
	// hundred bytes of the body tell the language as well as the whole text.
	detectBytes = 1200
	// minDetectLetters: below this a Latin-script text is too short to tell its
	// language (headlines, briefs) and is read as English (see Language).
	minDetectLetters = 120
	// minDetectConfidence: under it the detection is not used. A tie between the
	// two best languages gives 0, so no decision rests on whatlanggo's map order.
	minDetectConfidence = 0.5
)

// Language returns the language d is analysed in, as an ISO 639 code ("de", "pt"):
// d.Lang's primary language when it declares one (a BCP 47 tag like "de-DE" or a
// locale like "pt_BR"), else the language detected in its title and first words.
// It returns "" when d declares none and is too short to tell, or its detection is
// not reliable: Analyze then reads Latin-script text as English, what the index
// held before there were other languages.
func Language(d Doc) string {
	if l := baseLanguage(d.Lang); l != "" {
		return l
	}
	if script, ok := strings.CutPrefix(d.Lang, "und-"); ok && scriptCode(scriptTables[script]) == script {
		return d.Lang // what Language returned for a short text of that script
	}
	return detect(d.Title, d.Text)
}

// baseLanguage returns the primary language subtag of a BCP 47 tag or POSIX locale
// in its canonical ISO 639 form ("pt_BR" → "pt", "de-DE" → "de", "iw" → "he"), or
// "" when tag is empty, invalid, or names no language ("und", "mul", "zxx").
func baseLanguage(tag string) string {
	tag = strings.TrimSpace(tag)
	if tag == "" || len(tag) > 35 { // RFC 5646 §4.4.1: 35 characters are enough
		return ""
	}
	// The common case without the parser (a few microseconds an article): a
	// language with an analyzer, alone or with a region ("en", "de-AT", "pt_BR").
	if len(tag) == 2 || len(tag) >= 4 && (tag[2] == '-' || tag[2] == '_') {
		if head := strings.ToLower(tag[:2]); head == "en" || analyzers[head] != nil {
			return head
		}
	}
	t, err := language.Parse(strings.ReplaceAll(tag, "_", "-"))
	if err != nil {
		// Some pages put a malformed region after a valid language ("en-uk1"):
		// the language alone is still worth having.
		head, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
		if t, err = language.Parse(head); err != nil {
			return ""
		}
	}
	b, conf := t.Base()
	if conf != language.Exact { // "und-Cyrl" has a likely base (ru), not a declared one
		return ""
	}
	switch s := b.String(); s {
	case "und", "mul", "zxx", "mis":
		return ""
	default:
		return s
	}
}

// detect returns the language of a text given as its title and body, or "" when
// it cannot be told reliably.
func detect(title, body string) string {
	sample := truncateBytes(title+"\n"+body, detectBytes)
	letters, latin := 0, 0
	for _, r := range sample {
		if unicode.IsLetter(r) {
			letters++
			if unicode.Is(unicode.Latin, r) {
				latin++
			}
		}
	}
	if letters == 0 {
		return ""
	}
	if latin*2 > letters && letters < minDetectLetters {
		return ""
	}
	toks := tokenize(sample)
	if l := stopVote(toks, sureVoteShare, sureVoteMargin); l != "" {
		return l // plainly one language with a stop list: no need for trigrams
	}
	info := whatlanggo.Detect(sample)
	if info.Lang < 0 || info.Confidence < minDetectConfidence {
		if l := stopVote(toks, minVoteShare, voteMargin); l != "" {
			return l
		}
		if info.Script != nil && info.Script != unicode.Latin {
			// Short or unsure, but plainly not English (Cyrillic, Arabic...):
			// the generic analyzer of the script rather than English.
			return "und-" + scriptCode(info.Script)
		}
		return ""
	}
	if code := info.Lang.Iso6391(); code != "" {
		return code
	}
	return info.Lang.Iso6393()
}

// stopLanguages are the languages with a stop list, in the order stopVote breaks
// ties in.
var stopLanguages = []string{"en", "de", "fr", "es", "it", "pt", "nl", "ru"}

// Thresholds of stopVote, measured on the first 1200 bytes of the pages of the
// article-extraction set and the samples of lang_test.go: the text's language has
// 21–63% of its words in its stop list; the runner-up has at most 0.29 of that
// for English pages, but up to 0.58 between Spanish and Portuguese and 0.53
// between German and Dutch or Italian. A sure vote (sureVoteShare,
// sureVoteMargin) decides without the trigram detector, which costs ten times the
// rest of Analyze (about 1 ms of CPU against 0.16 ms for a 600-word article): it
// settles 107 of the 110 English pages. A lenient one only settles what the
// detector is unsure of (close pairs: Dutch and Afrikaans). A text in a language
// without a list that shares many stop words with one that has a list (Catalan
// and Spanish) can be read in the latter when it declares no language.
//
// Under minVoteTokens words a share says little ("В Казани обрушился мост" is a
// quarter Russian stop words, and as much Ukrainian).
const (
	sureVoteShare  = 0.25
	sureVoteMargin = 2.5
	minVoteShare   = 0.2
	voteMargin     = 1.5
	minVoteTokens  = 20
)

// stopVote tells the language of a sample (its tokens) by the share of its words
// that are stop words of each language with a list: the language with the largest
// share when that share is at least minShare and margin times the next, else "".
func stopVote(toks []token, minShare, margin float64) string {
	if len(toks) < minVoteTokens {
		return ""
	}
	best, bestN, secondN := "", 0, 0
	for _, l := range stopLanguages {
		stop := analyzerFor(l).stop
		n := 0
		for _, t := range toks {
			if stop[t.lower] {
				n++
			}
		}
		switch {
		case n > bestN:
			best, bestN, secondN = l, n, bestN
		case n > secondN:
			secondN = n
		}
	}
	if float64(bestN) < minShare*float64(len(toks)) || float64(bestN) < margin*float64(secondN) {
		return ""
	}
	return best
}

// scriptCode returns the ISO 15924 code of the scripts whatlanggo tells languages
// apart within: a short text in one of them gets the generic analyzer for its
// script ("und-Cyrl"), never English. Other scripts either name their language
// outright (Han, Hangul, Greek...) or are "Zyyy" (undetermined).
func scriptCode(t *unicode.RangeTable) string {
	switch t {
	case unicode.Cyrillic:
		return "Cyrl"
	case unicode.Arabic:
		return "Arab"
	case unicode.Devanagari:
		return "Deva"
	case unicode.Hebrew:
		return "Hebr"
	case unicode.Ethiopic:
		return "Ethi"
	}
	return "Zyyy"
}

// scriptTables are the scripts scriptCode names, by their code.
var scriptTables = map[string]*unicode.RangeTable{"Cyrl": unicode.Cyrillic, "Arab": unicode.Arabic,
	"Deva": unicode.Devanagari, "Hebr": unicode.Hebrew, "Ethi": unicode.Ethiopic}

// minPlausibleTokens and minStopShare check a declared language against the text:
// in the article-extraction set, the first plausibleTokens words of a body are
// 25–65% stop words of the language the page declares, but 4% for a German page
// declaring "en" and 2% for an English page declaring "de" (a CMS's default), and
// 1% for a table of scores. Under minStopShare the stop-word vote decides (see
// Analyze), and the declared language stays when it cannot tell.
const (
	minPlausibleTokens = 60
	plausibleTokens    = 200
	minStopShare       = 0.12
)

// plausible reports whether toks (a body's tokens) read as a's language, or are
// too few to tell.
func (a *Analyzer) plausible(toks []token) bool {
	if len(a.stop) == 0 || len(toks) < minPlausibleTokens {
		return true
	}
	toks = toks[:min(len(toks), plausibleTokens)]
	stops := 0
	for _, t := range toks {
		if a.stop[t.lower] {
			stops++
		}
	}
	return float64(stops) >= minStopShare*float64(len(toks))
}

// langTagLen returns the length of the language tag a term starts with ("de:",
// "pt:", "und-cyri:"), 0 when it has none: two or three lower-case letters,
// optionally "-" and a four-letter script, then ":".
func langTagLen(s string) int {
	i := 0
	for i < len(s) && i < 3 && s[i] >= 'a' && s[i] <= 'z' {
		i++
	}
	if i < 2 || i >= len(s) {
		return 0
	}
	if s[i] == '-' && i+5 < len(s) {
		j := i + 1
		for j < i+5 && s[j] >= 'a' && s[j] <= 'z' {
			j++
		}
		if j == i+5 {
			i = j
		}
	}
	if s[i] != ':' {
		return 0
	}
	return i + 1
}

// displayTerm strips a term's kind prefix ("e:", "q:", "n:") and its language tag
// ("de:"): what a reader reads of it.
func displayTerm(t string) string {
	if len(t) > 2 && t[1] == ':' {
		t = t[2:]
	}
	if n := langTagLen(t); n > 0 {
		t = t[n:]
	}
	return t
}
