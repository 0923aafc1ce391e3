package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/feeds"
	"github.com/parallax-news/parallax/internal/fetch"
)

// levels is a slog.Handler that counts records by level and message prefix.
type levels struct{ lines []string }

func (h *levels) Enabled(context.Context, slog.Level) bool { return true }
func (h *levels) Handle(_ context.Context, r slog.Record) error {
	h.lines = append(h.lines, r.Level.String()+" "+r.Message)
	return nil
}
func (h *levels) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *levels) WithGroup(string) slog.Handler      { return h }

func (h *levels) count(prefix string) int {
	n := 0
	for _, l := range h.lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// TestOutageAcrossRounds follows the outage through rounds of poll outcomes: x
// could not reach its site, o got a feed, s got an error status. Each round is
// played after the clock moved by wait.
func TestOutageAcrossRounds(t *testing.T) {
	t.Parallel()
	type want struct{ outageWarn, feedWarn, feedDebug, recovered int }
	type step struct {
		wait     time.Duration
		outcomes string
		want     want
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"start-up offline, then the trickle stays quiet", []step{
			{0, "xxxxxxxxxx", want{outageWarn: 1, feedDebug: 10}},
			{time.Minute, "xx", want{feedDebug: 2}},
			{time.Minute, "x", want{feedDebug: 1}},
		}},
		{"the warning repeats while the outage lasts", []step{
			{0, "xxxxxx", want{outageWarn: 1, feedDebug: 6}},
			{outageWarnEvery, "xx", want{outageWarn: 1, feedDebug: 2}},
		}},
		{"a site answering ends the outage", []step{
			{0, "xxxxxx", want{outageWarn: 1, feedDebug: 6}},
			{time.Minute, "ox", want{recovered: 1, feedWarn: 1}},
			{time.Minute, "x", want{feedWarn: 1}},
		}},
		{"the network went down mid-run", []step{
			{0, "oooooo", want{}},
			{time.Minute, "xxxxx", want{outageWarn: 1, feedDebug: 5}},
		}},
		{"dead feeds among working ones", []step{
			{0, "xxxxxxxxo", want{feedWarn: 8}},
			{0, "sxxxxxxo", want{feedWarn: 7}},
		}},
		{"a status error is the feed's own", []step{
			{0, "ssssss", want{feedWarn: 6}},
		}},
		{"small rounds are not an outage", []step{
			{0, "xxxx", want{feedWarn: 4}},
			{time.Minute, "x", want{feedWarn: 1}},
		}},
	}
	unreachable := fmt.Errorf("feeds: news.example: %w", fetch.ErrUnreachable)
	status := fmt.Errorf("feeds: news.example: %w", &fetch.StatusError{Code: 500})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logs := &levels{}
			now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
			in := &Ingester{log: slog.New(logs)}
			in.outage = newOutage(in.log)
			in.outage.now = func() time.Time { return now }
			for i, st := range tt.steps {
				now = now.Add(st.wait)
				before := len(logs.lines)
				r := in.newRound(len(st.outcomes))
				for j, o := range st.outcomes {
					res := pollResult{fetched: true, state: feeds.State{LastError: "could not reach"}}
					switch o {
					case 'x':
						res.pollErr = unreachable
					case 's':
						res.pollErr = status
					}
					r.add(Source{URL: fmt.Sprintf("https://news.example/%d", j)}, res)
				}
				r.seal(len(st.outcomes))
				got := &levels{lines: logs.lines[before:]}
				have := want{
					outageWarn: got.count("WARN feeds unreachable"),
					feedWarn:   got.count("WARN feed poll failed"),
					feedDebug:  got.count("DEBUG feed poll failed"),
					recovered:  got.count("INFO feeds reachable again"),
				}
				if have != st.want {
					t.Errorf("round %d (%q): logged %+v, want %+v:\n%s", i+1, st.outcomes, have, st.want, strings.Join(got.lines, "\n"))
				}
			}
		})
	}
}
