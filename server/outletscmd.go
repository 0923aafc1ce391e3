package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/parallax-news/parallax/internal/outlets"
)

// maxImportBytes bounds the CSV file `parallax outlets import` reads.
const maxImportBytes = 64 << 20

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
PARALLAX_OUTLETS_FILE applied): a table and counts by bias, factuality and
country, or with --json the records themselves. "import" converts a CSV with the
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
	fmt.Fprintln(tw, "ID\tNAME\tCOUNTRY\tBIAS\tFACTUALITY\tOWNERSHIP\tDOMAINS\tFEEDS")
	for _, o := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", o.ID, o.Name, cmp.Or(o.Country, "-"), cmp.Or(string(o.Bias), "unrated"),
			cmp.Or(string(o.Factuality), "-"), cmp.Or(string(o.Ownership), "-"), strings.Join(o.Domains, " "), len(o.Feeds))
	}
	tw.Flush()
}

// printOutletSummary writes the counts that describe the registry's coverage.
func printOutletSummary(w io.Writer, all []outlets.Outlet) {
	var feeds, nonUS int
	bias, fact, country := map[string]int{}, map[string]int{}, map[string]int{}
	for _, o := range all {
		if len(o.Feeds) > 0 {
			feeds++
		}
		if o.Country != "US" {
			nonUS++
		}
		bias[cmp.Or(string(o.Bias), "unrated")]++
		fact[cmp.Or(string(o.Factuality), "unrated")]++
		country[cmp.Or(o.Country, "unknown")]++
	}
	fmt.Fprintf(w, "%d outlets, %d outside the US, %d with at least one feed, %d countries\n", len(all), nonUS, feeds, len(country))
	fmt.Fprintln(w, "by bias:      ", counts(bias, []string{"far-left", "left", "lean-left", "center", "lean-right", "right", "far-right", "unrated"}, 0))
	fmt.Fprintln(w, "by factuality:", counts(fact, []string{"very-high", "high", "mostly-factual", "mixed", "low", "very-low", "unrated"}, 0))
	fmt.Fprintln(w, "by country:   ", counts(country, nil, 25))
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
