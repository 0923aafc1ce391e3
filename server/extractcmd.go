package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/parallax-news/parallax/internal/canon"
	"github.com/parallax-news/parallax/internal/extract"
)

// extractOut is what `parallax extract` prints.
type extractOut struct {
	Title        string     `json:"title"`
	Byline       string     `json:"byline"`
	SiteName     string     `json:"site_name"`
	Excerpt      string     `json:"excerpt"`
	Text         string     `json:"text"`
	Lang         string     `json:"lang"`
	Published    *time.Time `json:"published"`
	CanonicalURL string     `json:"canonical_url"`
	Image        string     `json:"image"`
	Outlet       *outletOut `json:"outlet"`
}

func runExtract(args []string, env *environment) int {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	pageURL := fs.String("url", "", "the URL the page was saved from (required: it resolves relative links and names the outlet)")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "usage: parallax extract --url URL [FILE|-]\n\nReads a saved HTML page from FILE (or standard input) and prints the extracted article as JSON.")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, 1); !ok {
		return code
	}
	if *pageURL == "" {
		fs.Usage()
		return 2
	}
	canonical, err := canon.URL(*pageURL)
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax extract: --url:", err)
		return 2
	}
	in, err := openInput(env, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax extract:", err)
		return 1
	}
	defer in.Close()
	html, err := io.ReadAll(io.LimitReader(in, extract.MaxHTMLBytes+1))
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax extract: read page:", err)
		return 1
	}
	base, _ := url.Parse(canonical)
	art, err := extract.Parse(html, base)
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax extract:", err)
		return 1
	}
	final, err := canon.Prefer(canonical, art.CanonicalURL)
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax extract:", err)
		return 1
	}
	registry, err := loadRegistry(env)
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax extract:", err)
		return 1
	}
	out := extractOut{
		Title:        art.Title,
		Byline:       art.Byline,
		SiteName:     art.SiteName,
		Excerpt:      art.Excerpt,
		Text:         art.Text,
		Lang:         art.Lang,
		Published:    timeOrNil(art.Published),
		CanonicalURL: final,
		Image:        art.Image,
	}
	if u, err := url.Parse(final); err == nil {
		if o, ok := registry.Lookup(u.Hostname()); ok {
			out.Outlet = outletOf(&o)
		}
	}
	return writeJSON(env, out)
}
