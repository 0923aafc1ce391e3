package stories

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Candidate is one sentence of an article that a story's summary may quote,
// verbatim, with what scoring it needs later: where it stood in the article.
type Candidate struct {
	Text string `json:"text"`
	Pos  int    `json:"pos"` // its sentence number in the article, from 0
}

// Bounds on what an article keeps for the summary. The index aims at under 2 KB per
// article (README); the candidates take at most a quarter of it.
const (
	// MaxCandidates is how many sentences an article keeps.
	MaxCandidates = 4
	// MaxCandidateBytes bounds the candidates' text in all.
	MaxCandidateBytes = 512
	// candidateWindow is how many leading sentences are considered: news puts
	// the event first (the inverted pyramid), and later sentences are background
	// and quotes no summary of the event needs.
	candidateWindow = 12
	// candidateScanBytes bounds the text split to find them.
	candidateScanBytes = 8 << 10
	// minCandidateBytes and maxCandidateBytes bound one sentence: shorter ones are
	// datelines, captions and fragments; a longer one would crowd out the rest
	// (and is cut nowhere: a bullet is a whole sentence or none).
	minCandidateBytes = 40
	maxCandidateBytes = 300
	minCandidateWords = 6
)

// boilerplate are phrases of sentences that are about the page, not the event
// (lower case). A sentence holding one is never a candidate.
var boilerplate = []string{
	"sign up", "newsletter", "subscribe", "click here", "read more", "follow us", "all rights reserved",
	"copyright", "advertisement", "cookie", "javascript", "download our app", "getty images", "share this",
	"our privacy", "terms of use", "contributed to this report", "contributed reporting", "write to ",
	"this story has been updated", "this article was", "related:", "watch:", "listen:", "photo:", "image:",
	"you can reach", "email us", "sent straight to your inbox", "melden sie sich", "abonnieren",
	"inscrivez-vous", "abonnez-vous", "suscríbete", "iscriviti", "inscreva-se", "schrijf je in",
	"http://", "https://", "www.", "@",
}

// Candidates chooses the sentences of an article's text (in language lang) that
// its story's summary may quote: up to MaxCandidates, MaxCandidateBytes in all,
// from its first sentences, skipping fragments, overlong sentences and the page's
// own boilerplate. For a feed item, text is the feed's summary, and the
// candidates come from it.
func Candidates(text, lang string) []Candidate {
	text = truncateBytes(text, candidateScanBytes)
	var out []Candidate
	used := 0
	for i, s := range splitSentences(text, sentenceRulesFor(lang), candidateWindow) {
		if len(out) == MaxCandidates {
			break
		}
		if !candidateLike(s) || used+len(s) > MaxCandidateBytes {
			continue
		}
		out = append(out, Candidate{Text: s, Pos: i})
		used += len(s)
	}
	return out
}

// candidateLike reports whether a sentence could stand as a bullet.
func candidateLike(s string) bool {
	if len(s) < minCandidateBytes || len(s) > maxCandidateBytes || !utf8.ValidString(s) {
		return false
	}
	if len(strings.Fields(s)) < minCandidateWords {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(strings.TrimRight(s, closers))
	if !isTerminal(last) || last == '?' {
		return false // a heading, a caption or a question put to the reader
	}
	lower, letters := 0, 0
	for _, c := range s {
		if unicode.IsLetter(c) {
			letters++
			if unicode.IsLower(c) {
				lower++
			}
		}
	}
	if lower*2 < letters { // SHOUTED HEADINGS, ticker lines
		return false
	}
	ls := strings.ToLower(s)
	for _, b := range boilerplate {
		if strings.Contains(ls, b) {
			return false
		}
	}
	return true
}
