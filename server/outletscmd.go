package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/parallax-news/parallax/internal/outlets"
)

// maxImportBytes bounds the CSV file `parallax outlets import` reads.
const maxImportBytes = 64 << 20

// The outlet table fits a 120-column terminal (it was 303 wide). Long ids, names
// and domains are cut with an ellipsis, at lengths that keep 99.6% of the
// registry's ids, 93% of its names and 98% of its first domains whole; an
// outlet's further domains are counted, not listed; the country is its two-letter
// code under "CC"; and ownership, which no column could hold next to the rest, is
// counted in the summary and given in --json. The widest row is then 117 runes,
// short of the last column, which some terminals wrap on.
const (
	tableWidth     = 120
	maxIDRunes     = 26
	maxNameRunes   = 26
	maxDomainRunes = 22 // the first domain and its "+N"
)

func runOutlets(args []string, env *environment) int {
	if len(args) > 0 && args[0] == "import" {
		return runOutletsImport(args[1:], env)
	}
	fs := flag.NewFlagSet("outlets", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	asJSON := fs.Bool("json", false, "print the registry as a JSON array of records")
	fs.Usage = func() {
		fmt.Fprint(env.stderr, `usage: parallax outlets [--json]
       parallax outlets import --format csv FILE > outlets.json

Prints the outlet registry the server uses (the built-in one with
PARALLAX_OUTLETS_FILE applied): a table and counts by bias, factuality,
ownership and country, or with --json the records themselves. "import" converts a CSV with the
columns domain,name,bias,factuality,country,feed into records for
PARALLAX_OUTLETS_FILE.

`)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	reg, err := loadRegistry(env)
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax outlets:", err)
		return 1
	}
	all := reg.All()
	if *asJSON {
		return writeJSON(env, all)
	}
	printOutletTable(env.stdout, all)
	fmt.Fprintln(env.stdout)
	printOutletSummary(env.stdout, all)
	return 0
}

func runOutletsImport(args []string, env *environment) int {
	fs := flag.NewFlagSet("outlets import", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	format := fs.String("format", "csv", "input format (csv: columns domain,name,bias,factuality,country,feed with a header row)")
	if code, ok := parseFlags(fs, args, -1); !ok {
		return code
	}
	if *format != "csv" || fs.NArg() != 1 {
		fmt.Fprintln(env.stderr, "usage: parallax outlets import --format csv FILE|- > outlets.json")
		return 2
	}
	in, err := openInput(env, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax outlets import:", err)
		return 1
	}
	defer in.Close()
	list, err := outlets.ImportCSV(io.LimitReader(in, maxImportBytes))
	if err != nil {
		fmt.Fprintln(env.stderr, "parallax outlets import:", err)
		return 1
	}
	if code := writeJSON(env, list); code != 0 {
		return code
	}
	fmt.Fprintf(env.stderr, "imported %d outlets\n", len(list))
	return 0
}

func printOutletTable(w io.Writer, all []outlets.Outlet) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCC\tBIAS\tFACTUALITY\tDOMAINS\tFEEDS")
	for _, o := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", ellipsis(o.ID, maxIDRunes), ellipsis(o.Name, maxNameRunes),
			cmp.Or(o.Country, "-"), cmp.Or(string(o.Bias), "unrated"), cmp.Or(string(o.Factuality), "-"), domainsCell(o.Domains), len(o.Feeds))
	}
	tw.Flush()
}

// domainsCell is the first domain, cut to fit, and how many more there are.
func domainsCell(domains []string) string {
	if len(domains) == 0 {
		return "-"
	}
	if len(domains) == 1 {
		return ellipsis(domains[0], maxDomainRunes)
	}
	more := fmt.Sprintf(" +%d", len(domains)-1)
	return ellipsis(domains[0], maxDomainRunes-len(more)) + more
}

// ellipsis cuts s to at most n runes, ending it with "…" when it was cut. Tabs and
// newlines, which would break the table, become spaces.
func ellipsis(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// printOutletSummary writes the counts that describe the registry's coverage.
func printOutletSummary(w io.Writer, all []outlets.Outlet) {
	var feeds, nonUS int
	bias, fact, owner, country := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	for _, o := range all {
		if len(o.Feeds) > 0 {
			feeds++
		}
		if o.Country != "US" {
			nonUS++
		}
		bias[cmp.Or(string(o.Bias), "unrated")]++
		fact[cmp.Or(string(o.Factuality), "unrated")]++
		owner[cmp.Or(string(o.Ownership), "unknown")]++
		country[cmp.Or(o.Country, "unknown")]++
	}
	fmt.Fprintf(w, "%d outlets, %d outside the US, %d with at least one feed, %d countries\n", len(all), nonUS, feeds, len(country))
	fmt.Fprint(w, wrapList("by bias:       ", counts(bias, []string{"far-left", "left", "lean-left", "center", "lean-right", "right", "far-right", "unrated"}, 0)))
	fmt.Fprint(w, wrapList("by factuality: ", counts(fact, []string{"very-high", "high", "mostly-factual", "mixed", "low", "very-low", "unrated"}, 0)))
	fmt.Fprint(w, wrapList("by ownership:  ", counts(owner, nil, 0)))
	fmt.Fprint(w, wrapList("by country:    ", counts(country, nil, 25)))
}

// wrapList writes label and the comma-separated list, wrapped at tableWidth with
// the continuation lines indented under the first item.
func wrapList(label, list string) string {
	var b strings.Builder
	indent := strings.Repeat(" ", utf8.RuneCountInString(label))
	line := label
	for i, item := range strings.Split(list, ", ") {
		if i > 0 {
			item = ", " + item
			if utf8.RuneCountInString(line)+utf8.RuneCountInString(item) > tableWidth {
				b.WriteString(line + ",\n")
				line, item = indent, item[2:]
			}
		}
		line += item
	}
	b.WriteString(line + "\n")
	return b.String()
}

// counts formats "key n, key n, ..." in the given order, or by count (ties by key)
// with at most top entries and the rest summed.
func counts(m map[string]int, order []string, top int) string {
	keys := order
	if keys == nil {
		for k := range m {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	}
	var parts []string
	rest := 0
	for i, k := range keys {
		if top > 0 && i >= top {
			rest += m[k]
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if rest > 0 {
		parts = append(parts, fmt.Sprintf("others %d", rest))
	}
	return strings.Join(parts, ", ")
}
