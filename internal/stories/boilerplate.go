package stories

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// An outlet's pages repeat its own boilerplate: title suffixes and prefixes ("|
// WALB.com, South Georgia News, Weather, Sports", "- The Denver Post", "UPDATE:")
// and template lines in the text ("Copyright 2016 KSAT - All rights reserved.",
// "Please enable Javascript to watch this video"). Weighed as words they make two
// of the outlet's articles about different events look alike: most of the gun
// violence corpus's wrong joins are two shootings on one outlet's site. No fixed
// list can know every outlet's templates, so each outlet's are learned from its
// own articles: Fragments names the pieces of an article that could be
// boilerplate, the caller counts in how many of the outlet's articles each was
// seen (store.Redis.Fragments), and StripBoilerplate drops those seen often.

// Bounds on the fragments of one article.
const (
	// maxTitlePieces bounds the pieces a title is split into; titles rarely have
	// more than three ("Headline | Section | Outlet").
	maxTitlePieces = 6
	// maxLineBytes: longer lines are the article's own paragraphs, not template.
	maxLineBytes = 160
	// maxLines bounds the lines of text read. The matcher reads the first
	// bodyWords words; template lines that matter sit among them.
	maxLines = 80
	// MaxFragments bounds the fragments of one article, so counting them costs
	// the same for any page.
	MaxFragments = 48
)

// titleSeparators split a title into pieces, in the order they are tried at one
// position (longest first, so " :: " is not read as ": ").
var titleSeparators = []string{" :: ", " | ", " - ", " – ", " — ", ": ", " // ", " · "}

// Fragment kinds, the first byte of a fragment key.
const (
	fragSuffix = 's' // the title from one separator to its end
	fragPrefix = 'p' // the title from its start to one separator
	fragLine   = 'l' // one short line of the text
)

// Fragments returns the keys of the pieces of an article that could be its
// outlet's boilerplate, each once: every suffix and prefix of its title at a
// separator, and its short lines, at most MaxFragments. A key is the piece's kind
// and a hash of its normalised text (lower case, digits as '#', spaces collapsed:
// "Copyright 2016 KSAT" and "Copyright 2017 KSAT" are one template), so the counts
// cost the same for any text.
func Fragments(title, text string) []string {
	var keys []string
	seen := map[string]bool{}
	add := func(kind byte, piece string) {
		if len(keys) == MaxFragments {
			return
		}
		k := fragmentKey(kind, piece)
		if k != "" && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	pieces := splitTitle(truncateBytes(title, maxTitleBytes))
	for i := 1; i < len(pieces); i++ {
		add(fragSuffix, strings.Join(pieces[i:], " "))
		add(fragPrefix, strings.Join(pieces[:i], " "))
	}
	eachLine(text, func(line string) { add(fragLine, line) })
	return keys
}

// StripBoilerplate returns title and text without the fragments known to be their
// outlet's boilerplate (known reports a fragment key that is): the longest known
// suffix and then the longest known prefix of the title, never all of it, and
// every known short line of the text.
func StripBoilerplate(title, text string, known func(key string) bool) (string, string) {
	pieces := splitTitle(truncateBytes(title, maxTitleBytes))
	if len(pieces) > 1 {
		end := len(pieces)
		for i := 1; i < len(pieces); i++ {
			if known(fragmentKey(fragSuffix, strings.Join(pieces[i:], " "))) {
				end = i
				break
			}
		}
		start := 0
		for i := end - 1; i >= 1; i-- {
			if known(fragmentKey(fragPrefix, strings.Join(pieces[:i], " "))) {
				start = i
				break
			}
		}
		if end < len(pieces) || start > 0 {
			title = strings.Join(pieces[start:end], " ")
		}
	}
	var b strings.Builder
	dropped := false
	rest := text
	for n := 0; rest != "" && n < maxLines; n++ {
		line, after, found := strings.Cut(rest, "\n")
		if t := strings.TrimSpace(line); t != "" && len(t) <= maxLineBytes && known(fragmentKey(fragLine, t)) {
			dropped = true
		} else {
			b.WriteString(line)
			if found {
				b.WriteByte('\n')
			}
		}
		rest = after
		if !found {
			break
		}
	}
	if !dropped {
		return title, text
	}
	b.WriteString(rest)
	return title, b.String()
}

// splitTitle splits a title at its separators into at most maxTitlePieces pieces
// (the last keeps any further separators), trimmed. A title without one is one
// piece.
func splitTitle(title string) []string {
	var pieces []string
	rest := title
	for len(pieces) < maxTitlePieces-1 {
		at, size := -1, 0
		for _, sep := range titleSeparators {
			if i := strings.Index(rest, sep); i >= 0 && (at < 0 || i < at) {
				at, size = i, len(sep)
			}
		}
		if at < 0 {
			break
		}
		if p := strings.TrimSpace(rest[:at]); p != "" {
			pieces = append(pieces, p)
		}
		rest = rest[at+size:]
	}
	if p := strings.TrimSpace(rest); p != "" {
		pieces = append(pieces, p)
	}
	return pieces
}

// eachLine calls fn with each short non-empty line of text's first maxLines.
func eachLine(text string, fn func(string)) {
	rest := text
	for n := 0; rest != "" && n < maxLines; n++ {
		line, after, found := strings.Cut(rest, "\n")
		if t := strings.TrimSpace(line); t != "" && len(t) <= maxLineBytes {
			fn(t)
		}
		if !found {
			return
		}
		rest = after
	}
}

// fragmentKey is the key of one piece of a page: its kind and a hash of its
// normalised text; "" for a piece with no letter (a date line, a separator rule).
// The hash is the top fragmentBits of 64-bit FNV-1a, in base 36: an outlet's
// counts are at most store.MaxFragmentsPerSource keys, among which two pieces
// share one with odds of about one in ten million, and the whole 64 bits in 13
// digits made the keys most of the counts' bytes (39 bytes more per article on
// the gun-violence stream). Counts kept under those longer keys are not read: an
// outlet's template is learnt again from its next articles, and the old keys,
// seen no more, linger only until the outlet's counts expire or are pruned.
func fragmentKey(kind byte, piece string) string {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	letters, space := false, false
	for _, r := range strings.ToLower(piece) {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsDigit(r):
			r = '#'
		case unicode.IsLetter(r):
			letters = true
		}
		if space {
			h = (h ^ ' ') * prime
			space = false
		}
		var buf [utf8.UTFMax]byte
		for _, b := range buf[:utf8.EncodeRune(buf[:], r)] {
			h = (h ^ uint64(b)) * prime
		}
	}
	if !letters {
		return ""
	}
	return string(kind) + strconv.FormatUint(h>>(64-fragmentBits), 36)
}

// fragmentBits is how much of the hash a fragment key keeps: 7 base-36 digits.
const fragmentBits = 36

// Fingerprint is the copy fingerprint Analyze gives a document with this text:
// for a text whose boilerplate was stripped before Analyze, the copy check still
// compares whole texts (one outlet's page under two URLs repeats every line, and
// stripping them is no reason to miss the copy).
func Fingerprint(text string) uint64 {
	return simhash(tokenize(firstWords(text, bodyWords)))
}
