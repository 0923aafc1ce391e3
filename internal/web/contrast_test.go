package web

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestContrast checks the stylesheet's colours against WCAG 2.2 in both themes:
// 4.5:1 for text (1.4.3, level AA) and 3:1 for the bars, chips' edges and the
// focus ring against the page (1.4.11).
func TestContrast(t *testing.T) {
	t.Parallel()
	css, err := files.ReadFile("assets/style.css")
	if err != nil {
		t.Fatal(err)
	}
	light, dark, ok := strings.Cut(string(css), "prefers-color-scheme: dark")
	if !ok {
		t.Fatal("no dark theme")
	}
	text := [][2]string{
		{"fg", "bg"}, {"muted", "bg"}, {"link", "bg"}, {"fg", "surface"},
		{"chip-fg", "left"}, {"chip-fg", "center"}, {"chip-fg", "right"}, {"chip-fg", "blind"}, {"chip-fg", "link"},
	}
	graphics := [][2]string{
		{"left", "bg"}, {"center", "bg"}, {"right", "bg"}, {"unrated", "bg"}, {"bar", "bg"}, {"focus", "bg"}, {"blind", "bg"},
		{"left", "surface"}, {"center", "surface"}, {"right", "surface"},
	}
	for theme, block := range map[string]string{"light": light, "dark": dark} {
		vars := colours(block)
		check := func(pairs [][2]string, least float64) {
			for _, p := range pairs {
				a, okA := vars[p[0]]
				b, okB := vars[p[1]]
				if !okA || !okB {
					t.Errorf("%s theme: --%s or --%s is not set", theme, p[0], p[1])
					continue
				}
				if r := ratio(a, b); r < least {
					t.Errorf("%s theme: --%s on --%s is %.2f:1, want at least %.1f:1", theme, p[0], p[1], r, least)
				}
			}
		}
		check(text, 4.5)
		check(graphics, 3)
	}
}

var colourDecl = regexp.MustCompile(`--([a-z-]+):\s*#([0-9a-fA-F]{6});`)

func colours(css string) map[string][3]float64 {
	out := map[string][3]float64{}
	for _, m := range colourDecl.FindAllStringSubmatch(css, -1) {
		var c [3]float64
		for i := range c {
			v, _ := strconv.ParseUint(m[2][2*i:2*i+2], 16, 8)
			c[i] = float64(v) / 255
		}
		out[m[1]] = c
	}
	return out
}

// ratio is the WCAG contrast ratio of two sRGB colours.
func ratio(a, b [3]float64) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

func luminance(c [3]float64) float64 {
	var l [3]float64
	for i, v := range c {
		if v <= 0.04045 {
			l[i] = v / 12.92
		} else {
			l[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}
