// Package outlets holds Parallax's registry of news outlets: who publishes on which
// domains, how raters place them on the left–right scale, how factual they are, who
// owns them and which feeds they publish. The registry is embedded in the binary as
// one JSON file (outlets.json, sorted by id) and can be looked up by host.
package outlets

import "slices"

// Bias is an outlet's place on the 7-point left–right scale used by the major raters.
// The empty Bias means the outlet is unrated.
type Bias string

// The seven points of the scale, from left to right.
const (
	FarLeft   Bias = "far-left"
	Left      Bias = "left"
	LeanLeft  Bias = "lean-left"
	Center    Bias = "center"
	LeanRight Bias = "lean-right"
	Right     Bias = "right"
	FarRight  Bias = "far-right"
)

// biasOrder lists the scale from left to right; its index is the scale position.
var biasOrder = [...]Bias{FarLeft, Left, LeanLeft, Center, LeanRight, Right, FarRight}

// Side is the three-way grouping the balance bar shows.
type Side string

// The sides of the balance bar. Unrated outlets have SideUnrated.
const (
	SideLeft    Side = "left"
	SideCenter  Side = "center"
	SideRight   Side = "right"
	SideUnrated Side = "unrated"
)

// Valid reports whether b is one of the seven scale points. The empty Bias (unrated)
// is not valid here; callers treat it separately.
func (b Bias) Valid() bool { return b.position() >= 0 }

func (b Bias) position() int {
	for i, v := range biasOrder {
		if v == b {
			return i
		}
	}
	return -1
}

// Side folds the 7-point scale into left, center and right: far-left, left and
// lean-left are left; lean-right, right and far-right are right. Anything else is
// unrated.
func (b Bias) Side() Side {
	switch p := b.position(); {
	case p < 0:
		return SideUnrated
	case p < 3:
		return SideLeft
	case p == 3:
		return SideCenter
	default:
		return SideRight
	}
}

// Factuality is how reliably an outlet reports facts, on the raters' 6-point scale.
// The empty Factuality means not rated.
type Factuality string

// The factuality scale, best first.
const (
	VeryHigh      Factuality = "very-high"
	High          Factuality = "high"
	MostlyFactual Factuality = "mostly-factual"
	Mixed         Factuality = "mixed"
	Low           Factuality = "low"
	VeryLow       Factuality = "very-low"
)

// factualityScale lists the scale, best first; its index is the rank.
var factualityScale = [...]Factuality{VeryHigh, High, MostlyFactual, Mixed, Low, VeryLow}

// FactualityScale returns the factuality scale, best first.
func FactualityScale() []Factuality { return factualityScale[:] }

// Valid reports whether f is one of the six scale points.
func (f Factuality) Valid() bool { return f.Rank() >= 0 }

// Rank is f's place on the scale, 0 for the best; -1 when f is not on it.
func (f Factuality) Rank() int {
	for i, v := range factualityScale {
		if v == f {
			return i
		}
	}
	return -1
}

// Better reports whether f is strictly better than g on the scale (a value off the
// scale is better than nothing).
func (f Factuality) Better(g Factuality) bool {
	return f.Valid() && (!g.Valid() || f.Rank() < g.Rank())
}

// Ownership is the kind of owner an outlet has.
type Ownership string

// The ownership kinds.
const (
	Independent       Ownership = "independent"
	Corporation       Ownership = "corporation"
	Conglomerate      Ownership = "conglomerate"
	Billionaire       Ownership = "billionaire"
	PrivateEquity     Ownership = "private-equity"
	Government        Ownership = "government"
	PublicBroadcaster Ownership = "public-broadcaster"
	Nonprofit         Ownership = "nonprofit"
	Cooperative       Ownership = "cooperative"
	OtherOwnership    Ownership = "other"
)

// ownershipKinds lists the kinds in the order distributions show them.
var ownershipKinds = [...]Ownership{Independent, Corporation, Conglomerate, Billionaire, PrivateEquity,
	Government, PublicBroadcaster, Nonprofit, Cooperative, OtherOwnership}

// OwnershipKinds returns the ownership kinds in a fixed order.
func OwnershipKinds() []Ownership { return ownershipKinds[:] }

// Valid reports whether o is one of the ownership kinds.
func (o Ownership) Valid() bool { return slices.Contains(ownershipKinds[:], o) }

// Paywall says how an outlet restricts reading.
type Paywall string

// The paywall kinds.
const (
	NoPaywall Paywall = "none"
	Metered   Paywall = "metered"
	Hard      Paywall = "hard"
)

// Valid reports whether p is one of the paywall kinds.
func (p Paywall) Valid() bool {
	switch p {
	case NoPaywall, Metered, Hard:
		return true
	}
	return false
}

// Rating is one rater's published verdict on an outlet, kept so that disagreement
// between raters stays visible next to the consensus. Each rater's own scale maps onto
// the 7-point Bias scale as follows.
//
//   - allsides: Left, Lean Left, Center, Lean Right, Right map to left, lean-left,
//     center, lean-right, right (AllSides has no far points).
//   - mbfc (Media Bias/Fact Check): Extreme Left, Left, Left-Center, Least Biased,
//     Right-Center, Right, Extreme Right map to the seven points in order; its
//     factual-reporting scale (Very High … Very Low) is the Factuality scale.
//   - adfontes (Ad Fontes Media): the bias score (-42 … +42) in its seven bands,
//     split at ±6, ±18 and ±30: |score| ≤ 6 is center, up to 18 lean, up to 30
//     left/right, beyond that far. Its reliability score is a different measure and is
//     not mapped to Factuality.
type Rating struct {
	Rater      string     `json:"rater"` // allsides, adfontes, mbfc
	Bias       Bias       `json:"bias,omitempty"`
	Factuality Factuality `json:"factuality,omitempty"`
	AsOf       int        `json:"as_of"` // year of the rating
}

// Outlet is one publisher in the registry.
type Outlet struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Domains    []string   `json:"domains"`
	Homepage   string     `json:"homepage,omitempty"`
	Country    string     `json:"country,omitempty"` // ISO 3166-1 alpha-2 of the headquarters
	Languages  []string   `json:"languages,omitempty"`
	Bias       Bias       `json:"bias,omitempty"`
	Factuality Factuality `json:"factuality,omitempty"`
	Owner      string     `json:"owner,omitempty"`
	Ownership  Ownership  `json:"ownership,omitempty"`
	Paywall    Paywall    `json:"paywall,omitempty"`
	Feeds      []string   `json:"feeds,omitempty"`
	Ratings    []Rating   `json:"ratings,omitempty"`
}
