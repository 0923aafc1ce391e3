package outlets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// csvColumns are the columns ImportCSV reads, in any order, named in a header row.
var csvColumns = []string{"domain", "name", "bias", "factuality", "country", "feed"}

const (
	// maxCSVRows bounds an import; a registry of this size would already be far
	// larger than any rater's.
	maxCSVRows = 200_000
	// maxCSVErrors is how many problems are listed before giving up.
	maxCSVErrors = 20
)

// ImportCSV converts a simple spreadsheet export with the columns domain, name,
// bias, factuality, country and feed (a header row names them; only domain and name
// are required) into outlet records. Rows with the same name become one outlet with
// all their domains and feeds. Labels are forgiving where it is safe: "Lean Left",
// "lean_left" and "lean-left" are the same bias, "https://www.example.com/" is the
// domain example.com. Every problem is reported with its line number.
func ImportCSV(r io.Reader) ([]Outlet, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: csv: read header: %w", ErrInvalid, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(csvColumns, h) {
			return nil, fmt.Errorf("%w: csv: unknown column %q (the columns are %s)", ErrInvalid, h, strings.Join(csvColumns, ","))
		}
		col[h] = i
	}
	for _, need := range []string{"domain", "name"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%w: csv: the header has no %q column", ErrInvalid, need)
		}
	}
	byName := map[string]*Outlet{}
	var order []string
	// claimed maps each domain to the name and line that gave it, so that a
	// domain two outlets claim is reported at the line that repeats it.
	type claim struct {
		name string
		line int
	}
	claimed := map[string]claim{}
	feeds := map[[2]string]bool{} // name, feed
	var errs []error
	fail := func(line int, format string, args ...any) {
		if len(errs) < maxCSVErrors {
			errs = append(errs, fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...)))
		}
	}
	for rows := 0; ; rows++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// A failed Read returns no fields, so FieldPos would panic; the
			// ParseError knows where the problem is. Any other error is the
			// reader's, not the data's: there is no line to blame or to skip.
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("outlets: csv: read: %w", err)
			}
			fail(pe.Line, "column %d: %v", pe.Column, pe.Err)
			if len(errs) >= maxCSVErrors {
				break
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if rows >= maxCSVRows {
			return nil, fmt.Errorf("%w: csv: more than %d rows", ErrInvalid, maxCSVRows)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue // blank line
		}
		name := get("name")
		if name == "" {
			fail(line, "name is empty")
			continue
		}
		domain, err := csvDomain(get("domain"))
		if err != nil {
			fail(line, "domain: %v", err)
			continue
		}
		if c, ok := claimed[domain]; ok && c.name != name {
			fail(line, "domain %q is already %q's (line %d)", domain, c.name, c.line)
			continue
		}
		bias := Bias(label(get("bias")))
		if bias != "" && !bias.Valid() {
			fail(line, "bias %q is not one of %s (or empty for unrated)", get("bias"), scaleList(biasOrder[:]))
			continue
		}
		fact := Factuality(label(get("factuality")))
		if fact != "" && !fact.Valid() {
			fail(line, "factuality %q is not one of very-high, high, mostly-factual, mixed, low, very-low (or empty)", get("factuality"))
			continue
		}
		country := strings.ToUpper(get("country"))
		feed := get("feed")
		// Validate the row alone: merged into a valid outlet it keeps it
		// valid (every rule is per field or per list element), and checking
		// the whole merged outlet on every row made an outlet of n rows cost
		// O(n²): 4,000 rows of one name took 3 s, maxCSVRows would take hours.
		row := Outlet{ID: slug(name), Name: name, Domains: []string{domain}, Country: country, Bias: bias, Factuality: fact}
		if feed != "" {
			row.Feeds = []string{feed}
		}
		if err := row.validate(); err != nil {
			fail(line, "%v", err)
			continue
		}
		o := byName[name]
		if o == nil {
			o = &Outlet{ID: slug(name), Name: name, Country: country, Bias: bias, Factuality: fact}
			byName[name] = o
			order = append(order, name)
		} else {
			for _, c := range [][3]string{
				{"bias", string(o.Bias), string(bias)},
				{"factuality", string(o.Factuality), string(fact)},
				{"country", o.Country, country},
			} {
				if c[1] != "" && c[2] != "" && c[1] != c[2] {
					fail(line, "%s %q contradicts %q on an earlier row of %q", c[0], c[2], c[1], name)
				}
			}
			o.Bias = cmpOr(o.Bias, bias)
			o.Factuality = cmpOr(o.Factuality, fact)
			o.Country = cmpOr(o.Country, country)
		}
		// Sets rather than slices.Contains, for the same reason.
		if _, dup := claimed[domain]; !dup {
			o.Domains = append(o.Domains, domain)
			claimed[domain] = claim{name, line}
		}
		if feed != "" && !feeds[[2]string{name, feed}] {
			o.Feeds = append(o.Feeds, feed)
			feeds[[2]string{name, feed}] = true
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: csv: %w", ErrInvalid, errors.Join(errs...))
	}
	out := make([]Outlet, 0, len(order))
	next := map[string]int{} // slug → the next suffix to try
	used := make(map[string]bool, len(order))
	for _, name := range order {
		o := *byName[name]
		o.ID = uniqueID(o.ID, used, next)
		used[o.ID] = true
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b Outlet) int { return strings.Compare(a.ID, b.ID) })
	// Rows are checked for clashing domains and ids are unique, so New cannot
	// refuse the list; the check stays so that no change above can make an
	// import hand out a registry the server would refuse to load.
	if _, err := New(out); err != nil {
		return nil, fmt.Errorf("outlets: csv: %w", err)
	}
	return out, nil
}

func cmpOr[T ~string](a, b T) T {
	if a != "" {
		return a
	}
	return b
}

// uniqueID returns slug if no outlet uses it yet, else the first free
// "slug-2", "slug-3", ..., with slug cut so that the id stays one DNS label:
// names with the same slug ("The Times", "The Times!") get distinct ids, and
// so does a name whose own slug is one of those suffixed ids ("The Times 2").
// next remembers the last suffix per slug, so n clashing names cost O(n).
func uniqueID(slug string, used map[string]bool, next map[string]int) string {
	if !used[slug] {
		return slug
	}
	for n := max(next[slug], 2); ; n++ {
		suffix := "-" + strconv.Itoa(n)
		base := slug
		if len(base)+len(suffix) > maxLabelLen {
			base = strings.TrimRight(base[:maxLabelLen-len(suffix)], "-")
		}
		if id := base + suffix; !used[id] {
			next[slug] = n + 1
			return id
		}
	}
}

// label normalises a rater-style label: "Lean Left" and "lean_left" → "lean-left".
func label(s string) string {
	return strings.NewReplacer(" ", "-", "_", "-").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// csvDomain accepts a bare domain or a URL and returns the registrable host form
// Lookup uses (lower case, no www., no port).
func csvDomain(s string) (string, error) {
	if s == "" {
		return "", errors.New("empty")
	}
	host := s
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || u.Hostname() == "" {
			return "", fmt.Errorf("%q is neither a domain nor a URL", s)
		}
		host = u.Hostname()
	} else if i := strings.IndexAny(host, "/:"); i >= 0 {
		host = host[:i]
	}
	host = strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(host), "www."), ".")
	if err := checkDomain(host); err != nil {
		return "", err
	}
	return host, nil
}

// slug makes an id from a name: "The Times of India" → "the-times-of-india",
// "Le Monde" → "le-monde", "Süddeutsche Zeitung" → "suddeutsche-zeitung".
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(strings.ToLower(name)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case unicode.Is(unicode.Mn, r):
			// combining accent left by NFKD: drop it
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimSuffix(b.String(), "-")
	if s == "" {
		s = "outlet"
	}
	if len(s) > maxLabelLen {
		s = strings.TrimSuffix(s[:maxLabelLen], "-")
	}
	return s
}
