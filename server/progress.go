package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressEvery is how often the progress line is redrawn.
const progressEvery = 200 * time.Millisecond

const barWidth = 30

// progress draws a one-line progress display for batch commands, only when its
// writer is a terminal (a log file or a pipe gets the final summary alone).
type progress struct {
	w    io.Writer
	tty  bool
	last time.Time
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// show redraws the line: a bar for frac in [0, 1] (none when frac < 0), then the
// formatted text. Calls within progressEvery of the last drawing are skipped.
func (p *progress) show(frac float64, format string, args ...any) {
	if !p.tty {
		return
	}
	if now := time.Now(); now.Sub(p.last) < progressEvery && frac < 1 {
		return
	} else {
		p.last = now
	}
	bar := ""
	if frac >= 0 {
		frac = min(frac, 1)
		done := int(frac * barWidth)
		bar = fmt.Sprintf("[%s%s] %3.0f%% ", strings.Repeat("#", done), strings.Repeat(".", barWidth-done), frac*100)
	}
	fmt.Fprintf(p.w, "\r\033[K%s%s", bar, fmt.Sprintf(format, args...))
}

// println prints a line of its own (a warning) over the progress line, which
// the next show draws again.
func (p *progress) println(line string) {
	if p.tty && !p.last.IsZero() {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintln(p.w, line)
}

// done clears the line before the summary is printed.
func (p *progress) done() {
	if p.tty && !p.last.IsZero() {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// fileSize returns the size of r when it is a regular file, else 0.
func fileSize(r io.Reader) int64 {
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			return st.Size()
		}
	}
	return 0
}
