package stories

import (
	"time"

	"github.com/parallax-news/parallax/internal/outlets"
)

// The types of what Parallax says about a story beyond its coverage (issue 12): a
// summary whose every bullet is a sentence of one member article, why each article
// is in the story, and the stories close to it.

// Bullet is one sentence of a story's summary, taken verbatim from one member
// article and cited to it.
type Bullet struct {
	Text       string       `json:"text"`
	ArticleURL string       `json:"url"`
	OutletID   string       `json:"outlet,omitempty"` // "" for an outlet the registry does not know
	Domain     string       `json:"domain"`
	Side       outlets.Side `json:"side"`
}

// Evidence is why an article is in its story: the score it joined with and its
// parts, against the threshold it had to reach. An article that started its story
// has Started set and no score.
type Evidence struct {
	Started   bool    `json:"started"`
	Score     float64 `json:"score"`
	Threshold float64 `json:"threshold"`
	// The cosines the score is made of (0 when a part was missing on either side).
	Title    float64 `json:"title"`
	Body     float64 `json:"body"`
	Entities float64 `json:"entities"`
	// TimeGap is the time between the article and the story's nearest article in time
	// (0 when either was undated); TimeFactor what it multiplied the score by.
	TimeGap    time.Duration `json:"-"`
	TimeFactor float64       `json:"time_factor"`
	// SharedTerms and SharedEntities are the heaviest terms and entities the
	// article and the story have in common, a few of each.
	SharedTerms    []string `json:"shared_terms"`
	SharedEntities []string `json:"shared_entities"`
	// Corrected is set when a reader put the article where it is ("not this
	// story" moved it to a story of its own, or an attach moved it in), not the
	// matcher: the scores then say how it compares, not why it was placed.
	Corrected bool `json:"corrected,omitempty"`
}

// Related is a story close to another but below the join threshold: an earlier or
// later chapter of the same subject.
type Related struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Score float64 `json:"score"`
}
