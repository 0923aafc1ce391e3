// Package web renders Parallax's story pages on the server: today's stories, one
// story's coverage side by side, the blindspots, an outlet, search results and the
// error pages. The pages are plain HTML and one stylesheet, built from html/template
// templates and CSS embedded in the binary: no JavaScript, no build step, so they
// work in any browser, with scripts off, and under a strict Content-Security-Policy
// (no inline script or style; the bars are SVG attributes, not style properties).
//
// A page is built in two steps. A constructor (NewStoryPage, NewHomePage, …) turns
// domain values (a stories.Story, the outlets.Registry, the stories coverage
// functions) into a page model, a plain struct holding exactly what the page shows,
// already worded; a Pages value renders a model into HTML. The split keeps the
// decisions (which column an article goes in, what a balance rests on, which link
// is safe to render) testable without parsing HTML, and the templates free of logic.
//
// Pages knows nothing of HTTP routing: the server decodes the request, asks the
// store, builds the model and calls a Render method. The one net/http piece here is
// the handler of the stylesheet (Assets), which is served at a path that changes
// with its content so browsers may keep it for a year.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/parallax-news/parallax/internal/outlets"
)

//go:embed templates/*.html assets/style.css
var files embed.FS

// The routes the pages link to. The server must mount them at these paths.
const (
	// AssetsPrefix is the path under which Assets serves the stylesheet.
	AssetsPrefix = "/assets/"
	// LoginPath is where the 401 page posts its form (field "token", and "next"
	// when the page knows where the reader was going).
	LoginPath = "/login"
)

// pageNames are the templates of the pages, each parsed with the layout.
var pageNames = [...]string{"home", "story", "blindspots", "outlet", "search", "error"}

// Pages renders the pages. It is safe for concurrent use: the templates are parsed
// once, by New, and never changed.
type Pages struct {
	pages   map[string]*template.Template
	css     []byte
	cssPath string // AssetsPrefix + "style.<hash>.css"
	cssETag string
	// build identifies everything a page's bytes depend on besides its data: the
	// templates, the stylesheet and the registry. It is part of every ETag, so a
	// deploy or a registry change is never answered with a stale 304.
	build [sha256.Size]byte
	// outlets holds the HTML naming each registry outlet (its name, bias chip and
	// factuality: "outlet" in parts.html), rendered by New: a story page names an
	// outlet for each of up to 500 articles, and looking the HTML up costs a third
	// of rendering it (BenchmarkRenderStoryPage). Read-only after New.
	outlets map[OutletRef]template.HTML
	// fragments renders an OutletRef that outlets lacks (a site the registry does
	// not know, or a model built from another registry).
	fragments *template.Template
	// bufs holds page buffers between renders: a story page is some 300 KB, and
	// allocating and zeroing that for every request was 7% of a render's profile.
	bufs sync.Pool
}

// New parses the templates and fingerprints them, the stylesheet and reg (which
// every page model is built from: pass the same registry to the constructors).
func New(reg *outlets.Registry) (*Pages, error) {
	if reg == nil {
		return nil, errors.New("web: nil registry")
	}
	css, err := files.ReadFile("assets/style.css")
	if err != nil {
		return nil, fmt.Errorf("web: read stylesheet: %w", err)
	}
	sum := sha256.Sum256(css)
	p := &Pages{
		pages:   make(map[string]*template.Template, len(pageNames)),
		css:     css,
		cssPath: AssetsPrefix + "style." + hex.EncodeToString(sum[:8]) + ".css",
		cssETag: `"` + hex.EncodeToString(sum[:16]) + `"`,
	}

	build := sha256.New()
	build.Write(css)
	read := func(name string) (string, error) {
		b, err := files.ReadFile("templates/" + name + ".html")
		if err != nil {
			return "", fmt.Errorf("web: read template %s: %w", name, err)
		}
		build.Write([]byte(name))
		build.Write(b)
		return compact(string(b)), nil
	}
	base := template.New("base").Funcs(funcs(p))
	for _, name := range []string{"layout", "parts"} {
		src, err := read(name)
		if err != nil {
			return nil, err
		}
		if _, err := base.New(name).Parse(src); err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", name, err)
		}
	}
	if p.fragments, err = base.Clone(); err != nil {
		return nil, fmt.Errorf("web: clone parts: %w", err)
	}
	for _, name := range pageNames {
		src, err := read(name)
		if err != nil {
			return nil, err
		}
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("web: clone layout for %s: %w", name, err)
		}
		if _, err := t.New(name).Parse(src); err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", name, err)
		}
		p.pages[name] = t
	}
	if err := checkEmbedded(); err != nil {
		return nil, err
	}

	// The registry as JSON is its full content in a stable order (All sorts by id).
	regJSON, err := json.Marshal(reg.All())
	if err != nil {
		return nil, fmt.Errorf("web: fingerprint registry: %w", err)
	}
	build.Write(regJSON)
	copy(p.build[:], build.Sum(nil))

	all := reg.All()
	p.outlets = make(map[OutletRef]template.HTML, len(all))
	for _, o := range all {
		ref := refOf(o)
		h, err := p.outletHTML(ref)
		if err != nil {
			return nil, err
		}
		p.outlets[ref] = h
	}
	return p, nil
}

// outletHTML renders ref as "outlet" in parts.html does, from the cache when it
// can. The HTML is html/template's own output for the text context every page
// uses it in, so passing it on as template.HTML escapes nothing twice or less.
func (p *Pages) outletHTML(ref OutletRef) (template.HTML, error) {
	if h, ok := p.outlets[ref]; ok {
		return h, nil
	}
	var b strings.Builder
	if err := p.fragments.ExecuteTemplate(&b, "outlet", ref); err != nil {
		return "", fmt.Errorf("web: render outlet %s: %w", ref.Name, err)
	}
	return template.HTML(b.String()), nil
}

// checkEmbedded fails when a template file exists that New does not parse, so a
// page added without its name in pageNames is caught by the first test, not by a
// reader.
func checkEmbedded() error {
	entries, err := fs.ReadDir(files, "templates")
	if err != nil {
		return fmt.Errorf("web: list templates: %w", err)
	}
	known := map[string]bool{"layout.html": true, "parts.html": true}
	for _, n := range pageNames {
		known[n+".html"] = true
	}
	for _, e := range entries {
		if !known[e.Name()] {
			return fmt.Errorf("web: template %s is not parsed", e.Name())
		}
	}
	return nil
}

// compact drops the line breaks and indentation of a template's source, so the
// templates stay readable and the HTML sent stays small (a 500-article story page
// is a third smaller). A line break in a template is therefore not a space: text
// that needs one keeps it within a line.
func compact(src string) string {
	var b strings.Builder
	b.Grow(len(src))
	for line := range strings.Lines(src) {
		b.WriteString(strings.TrimSpace(line))
	}
	return b.String()
}

// StylePath returns the versioned path of the stylesheet (AssetsPrefix +
// "style.<hash>.css"), which every page links.
func (p *Pages) StylePath() string { return p.cssPath }

// ETag returns a strong entity tag for the page at path (with its query, such as
// "/?page=2" or "/stories/s123") rendered from data at version, whatever the caller
// uses to tell one state of that data from another (a story's version number, a
// hash of a list's ids and versions). The tag also covers the templates, the
// stylesheet and the registry, so it changes with a deploy or a registry change;
// equal tags mean byte-identical pages.
func (p *Pages) ETag(path, version string) string {
	h := sha256.New()
	h.Write(p.build[:])
	// Lengths first, so that ("/a", "bc") and ("/ab", "c") differ.
	fmt.Fprintf(h, "%d:%s%d:%s", len(path), path, len(version), version)
	return `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`
}

// layout is what the layout template needs around a page.
type layout struct {
	Title string // the page's own title; the site name is added
	Nav   string // the nav entry to mark as current: today, blindspots, search
	Style string
	Page  any
}

// RenderHome writes the home page.
func (p *Pages) RenderHome(w io.Writer, m HomePage) error {
	title := "Today"
	if m.Page > 1 {
		title = fmt.Sprintf("Today, page %d", m.Page)
	}
	return p.render(w, "home", title, "today", m, listPageSize)
}

// RenderStory writes a story's page.
func (p *Pages) RenderStory(w io.Writer, m StoryPage) error {
	return p.render(w, "story", m.Title, "", m, storyPageSize+articleSize*m.Shown)
}

// RenderBlindspots writes the blindspots page.
func (p *Pages) RenderBlindspots(w io.Writer, m BlindspotsPage) error {
	return p.render(w, "blindspots", "Blindspots", "blindspots", m, listPageSize)
}

// RenderOutlet writes an outlet's page.
func (p *Pages) RenderOutlet(w io.Writer, m OutletPage) error {
	return p.render(w, "outlet", m.Name, "", m, listPageSize)
}

// RenderSearch writes the search page, with its results when m has a query.
func (p *Pages) RenderSearch(w io.Writer, m SearchPage) error {
	title := "Search"
	if m.Query != "" {
		title = "Search: " + m.Query
	}
	return p.render(w, "search", title, "search", m, listPageSize)
}

// RenderError writes an error page. It writes no status: the caller sets
// m.Status on the response before calling it.
func (p *Pages) RenderError(w io.Writer, m ErrorPage) error {
	return p.render(w, "error", m.Title, "", m, listPageSize)
}

// The buffer a page is rendered into starts at about the page's size, so that
// it is not grown and copied a dozen times: a story page is some 12 KB plus
// 600 bytes an article (measured on BenchmarkRenderStoryPage's story), a list
// page 16 KB or less.
const (
	storyPageSize = 12 << 10
	articleSize   = 640
	listPageSize  = 16 << 10
	// maxPooledBuffer is the largest buffer kept for the next page: a
	// 500-article story page with its head room.
	maxPooledBuffer = 1 << 20
)

// render executes a page into a buffer first, so that a template failure halfway
// never sends half a page under a 200.
func (p *Pages) render(w io.Writer, name, title, nav string, page any, size int) error {
	t := p.pages[name]
	buf, _ := p.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() {
		// A buffer that grew past any real page is let go rather than kept.
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			p.bufs.Put(buf)
		}
	}()
	buf.Grow(size)
	if err := t.ExecuteTemplate(buf, "layout", layout{Title: title, Nav: nav, Style: p.cssPath, Page: page}); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("web: write %s: %w", name, err)
	}
	return nil
}

// assetMaxAge is how long browsers and proxies may keep the stylesheet: a year,
// the longest RFC 9111 caches are expected to honour, since its path changes with
// its content.
const assetMaxAge = 365 * 24 * time.Hour

// Assets returns the handler of the stylesheet under AssetsPrefix. The current
// versioned path is cached for a year as immutable. A stylesheet of another
// version (a page from a replica on another release during a rolling deploy) is
// answered with the current one, not cached, rather than leaving that page
// unstyled. Anything else is 404.
func (p *Pages) Assets() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, AssetsPrefix)
		if !ok || !strings.HasPrefix(name, "style.") || !strings.HasSuffix(name, ".css") || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/css; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		if r.URL.Path == p.cssPath {
			h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d, immutable", int(assetMaxAge.Seconds())))
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		h.Set("ETag", p.cssETag)
		http.ServeContent(w, r, "style.css", time.Time{}, bytes.NewReader(p.css))
	})
}
