package stories

import (
	"testing"
	"time"
)

// TestFollowUpRelief: a sentencing reported months after a shooting, naming the
// same victim, suspect and street, keeps most of its score; one about another
// shooting in the same town that long after keeps the full time decay; and before
// TimeGrace nothing changes.
func TestFollowUpRelief(t *testing.T) {
	cfg := DefaultConfig()
	cfg.FollowUpShared, cfg.FollowUpRarity, cfg.FollowUpRelief = 3, 0.01, 0.9
	// The town and the words any report capitalises ("Deputies arrested", "the
	// County coroner") are in many of the index's articles; the people and the
	// street in few.
	df := DocFreq{Docs: 10_000, Counts: map[string]int64{"e:hawthorne": 400, "e:los angeles county": 900,
		"e:county": 2000, "e:avenue": 1500, "e:deputies": 800}}
	shot := time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC)
	first := Doc{
		Title: "Man killed at New Year party in Hawthorne",
		Text:  "Bernard Gillis, 20, was killed at a party on Cerise Avenue in Hawthorne. Deputies arrested Marcus Dale Brown. The Los Angeles County coroner identified Gillis.",
	}
	var s Centroid
	cfg.Add(&s, cfg.Prepare(Analyze(first), df, shot), "a", first.Title)
	sentencing := Doc{
		Title: "Hawthorne party gunman sentenced",
		Text:  "Marcus Dale Brown was sentenced for killing Bernard Gillis at a party on Cerise Avenue in Hawthorne. Gillis was 20. A Los Angeles County judge gave Brown 40 years.",
	}
	other := Doc{
		Title: "Man killed in Hawthorne shooting",
		Text:  "Luis Ortega, 31, was killed on Prairie Avenue in Hawthorne. Deputies arrested Kevin Ward. The Los Angeles County coroner identified Ortega.",
	}
	tests := []struct {
		name   string
		doc    Doc
		gap    time.Duration
		relief bool
	}{
		{"sentencing months later", sentencing, 120 * 24 * time.Hour, true},
		{"other shooting months later", other, 120 * 24 * time.Hour, false},
		{"sentencing the same day", sentencing, time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := cfg.Prepare(Analyze(tt.doc), df, shot.Add(tt.gap))
			off := cfg
			off.FollowUpShared = 0
			with, without := cfg.Score(p, &s), off.Score(cfg.Prepare(Analyze(tt.doc), df, shot.Add(tt.gap)), &s)
			if got := with > without+1e-9; got != tt.relief {
				t.Errorf("score %.3f with the relief, %.3f without: relieved %v, want %v", with, without, got, tt.relief)
			}
			if ev := cfg.Explain(p, &s, with); ev.TimeFactor != round3(cfg.timeTerm(p, &s)) {
				t.Errorf("evidence time factor %.3f, the score's %.3f", ev.TimeFactor, cfg.timeTerm(p, &s))
			}
		})
	}
}
