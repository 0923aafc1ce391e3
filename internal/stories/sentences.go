package stories

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxSentences bounds what Sentences returns, whatever the text's size: a summary
// only ever reads the first few sentences of an article.
const maxSentences = 1000

// Sentences splits text into its sentences, each an exact substring of text with
// the white space around it trimmed. lang is the article's BCP 47 tag; it decides
// which abbreviations and sentence openers apply (en, de, fr, es, it, pt, nl;
// English for any other). A line break always ends a sentence: extracted text
// keeps paragraphs on lines of their own, and no sentence spans two.
func Sentences(text, lang string) []string {
	return splitSentences(text, sentenceRulesFor(lang), maxSentences)
}

// sentenceRules are one language's exceptions to "a full stop ends a sentence".
type sentenceRules struct {
	// titles never end a sentence ("Mr.", "Dr.", "Sra."): a name follows.
	titles map[string]bool
	// abbrevs end one only when a sentence opener follows ("etc. The", but
	// "Jan. 5", "Inc. shares").
	abbrevs map[string]bool
	// openers are lower-cased words that often start a sentence: after an
	// abbreviation, a dotted acronym ("U.S.") or, in German, an ordinal number,
	// one of them says a new sentence begins.
	openers map[string]bool
	// ordinals: a number of up to three digits with a full stop is an ordinal
	// ("am 3. Oktober"), as in German and Dutch dates.
	ordinals bool
}

// sentenceRulesFor returns the rules for a language tag, English by default.
func sentenceRulesFor(lang string) *sentenceRules {
	lang = strings.ToLower(lang)
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	if r, ok := sentenceLangs[lang]; ok {
		return r
	}
	return sentenceLangs["en"]
}

// sentenceLangs is immutable after init; sharing it is safe. The lists hold
// abbreviations common in news text of each language (lower case, without their
// final full stop), not every abbreviation there is.
var sentenceLangs = map[string]*sentenceRules{
	"en": {
		titles: wordSet(`mr mrs ms messrs dr prof sen rep gov lt col gen sgt capt cmdr adm maj rev fr sr jr st pres supt insp det hon`),
		abbrevs: wordSet(`jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
			etc inc corp ltd co bros no nos vs approx est dept univ mt ft ave blvd rd hwy ariz calif colo conn fla ill
			mass mich minn nev okla ore pa tenn tex va wash wis e.g i.e a.m p.m u.s u.k u.n e.u d.c`),
		openers: wordSet(englishStop + ` police officials authorities`),
	},
	"de": {
		titles: wordSet(`dr prof hr fr hrn`),
		abbrevs: wordSet(`bzw usw etc ca vgl nr str evtl ggf inkl bspw sog jan feb märz apr aug sept okt nov dez
			mio mrd tsd bzgl gegr z.b u.a d.h o.ä s.o u.ä z.t`),
		openers: wordSet(`der die das den dem des ein eine einer er sie es wir ich ihr man dies diese dieser dieses
			am im in auf aber und doch so dann nach als wenn da auch bei mit zu zum zur laut seit nun damit`),
		ordinals: true,
	},
	"fr": {
		titles:  wordSet(`m mm mme mlle dr pr me st ste mgr`),
		abbrevs: wordSet(`etc env cf av apr janv févr avr juil sept oct nov déc no p.ex j.-c`),
		openers: wordSet(`le la les l un une des il elle ils elles on nous je ce cette ces cet mais et en au aux
			dans selon après pour depuis alors si c d`),
	},
	"es": {
		titles:  wordSet(`sr sra srta dr dra d dña ud uds lic ing prof`),
		abbrevs: wordSet(`etc aprox núm pág ene feb mar abr jun jul ago sept oct nov dic p.ej ee.uu cía`),
		openers: wordSet(`el la los las un una él ella ellos ellas se en pero y no según tras para este esta
			eso esto al del con por desde así`),
	},
	"it": {
		titles:  wordSet(`sig sigg dott dott.ssa prof avv ing on sen`),
		abbrevs: wordSet(`ecc ca gen feb mar apr mag giu lug ago sett ott nov dic s.p.a n`),
		openers: wordSet(`il lo la i gli le un una uno lui lei loro si in ma e non secondo dopo per questo
			questa al nel con da`),
	},
	"pt": {
		titles:  wordSet(`sr sra srta dr dra prof eng`),
		abbrevs: wordSet(`etc aprox nº jan fev mar abr jun jul ago set out nov dez p.ex v.exa`),
		openers: wordSet(`o a os as um uma ele ela eles elas se em mas e não segundo após para este esta no na
			com por desde`),
	},
	"nl": {
		titles:   wordSet(`dhr mevr mr dr prof ir drs ing`),
		abbrevs:  wordSet(`bijv enz ca nr jan feb mrt apr aug sept okt nov dec d.w.z o.a m.b.t z.g.a`),
		openers:  wordSet(`de het een hij zij ze we wij ik in op maar en dat dit die er volgens na toen ook`),
		ordinals: true,
	},
}

// closers may follow a sentence's final punctuation and belong to it: closing
// quotes and brackets. German closes quotes with “ and ‘ („so“).
const closers = `"'”’“‘»)]}›`

// splitSentences is Sentences with rules and a bound on the count.
func splitSentences(text string, r *sentenceRules, limit int) []string {
	var out []string
	for line := range strings.SplitSeq(text, "\n") {
		start := 0
		for i := 0; i < len(line) && len(out) < limit; {
			c, size := utf8.DecodeRuneInString(line[i:])
			if !isTerminal(c) {
				i += size
				continue
			}
			end := i + size
			for end < len(line) { // the rest of a run: "?!", "...", "?”"
				c2, s2 := utf8.DecodeRuneInString(line[end:])
				if !isTerminal(c2) && !strings.ContainsRune(closers, c2) {
					break
				}
				end += s2
			}
			// French sets a space before a closing guillemet: « Non. »
			if j := skipSpaces(line, end); j < len(line) && strings.HasPrefix(line[j:], "»") {
				end = j + len("»")
			}
			next := skipSpaces(line, end)
			if next == end && end < len(line) {
				i = end // "3.5%", "U.S.-led", "Yahoo!Inc": no space, no boundary
				continue
			}
			if next < len(line) && !r.boundary(line[start:i], c, line[next:]) {
				i = end
				continue
			}
			if s := strings.TrimSpace(line[start:end]); s != "" {
				out = append(out, s)
			}
			start, i = next, next
		}
		if len(out) >= limit {
			return out
		}
		if s := strings.TrimSpace(line[start:]); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func isTerminal(c rune) bool {
	return c == '.' || c == '!' || c == '?' || c == '…'
}

func skipSpaces(s string, i int) int {
	for i < len(s) {
		c, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(c) {
			break
		}
		i += size
	}
	return i
}

// boundary decides whether the punctuation mark p after before (the sentence so
// far) ends a sentence, given after (the text from the next non-space character).
func (r *sentenceRules) boundary(before string, p rune, after string) bool {
	first, _ := utf8.DecodeRuneInString(after)
	// A sentence never opens in lower case: "etc. and", "... and then", "Yahoo! is".
	if unicode.IsLower(first) {
		return false
	}
	if p != '.' {
		return true
	}
	word := lastWord(before)
	lw := strings.ToLower(word)
	nextWord := strings.ToLower(firstWord(after))
	switch {
	case word == "":
		return true
	case r.titles[lw]:
		return false // "Mr. Smith", "Sra. García"
	case utf8.RuneCountInString(word) == 1 && unicode.IsLetter([]rune(word)[0]):
		// An initial ("George W. Bush", "J. K. Rowling", "z. B."), unless a
		// sentence opener follows ("Malcolm X. He").
		return r.openers[nextWord]
	case r.abbrevs[lw] || dotted(word):
		// "Jan. 5", "Inc. shares", "the U.S. State Department" go on; "in the
		// U.S. The", "etc. But" end.
		return r.openers[nextWord]
	case r.ordinals && isNumber(word) && len(word) <= 3:
		return r.openers[nextWord] // "am 3. Oktober" goes on
	}
	return true
}

// lastWord returns the word just before a full stop: the run of letters, digits
// and inner dots or hyphens ("U.S", "z.B", "J.-C") at the end of s.
func lastWord(s string) string {
	i := len(s)
	for i > 0 {
		c, size := utf8.DecodeLastRuneInString(s[:i])
		if !(unicode.IsLetter(c) || unicode.IsDigit(c) || c == '.' || c == '-') {
			break
		}
		i -= size
	}
	return strings.Trim(s[i:], ".-")
}

// firstWord returns the leading run of letters of s, after any opening quotes or
// brackets.
func firstWord(s string) string {
	s = strings.TrimLeft(s, `"'“‘«(¿¡[`)
	for i, c := range s {
		if !unicode.IsLetter(c) {
			return s[:i]
		}
	}
	return s
}

// dotted reports whether a word is an acronym written with inner dots ("U.S",
// "e.g", "EE.UU"): its last part is short, as no sentence's last word is.
func dotted(word string) bool {
	i := strings.LastIndexByte(word, '.')
	return i > 0 && utf8.RuneCountInString(word[i+1:]) <= 2
}
