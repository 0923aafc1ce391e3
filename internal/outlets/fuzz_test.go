package outlets

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// maxFuzzBytes bounds the override files and CSV exports the fuzz targets
// try. Both parsers are linear in their input (and the real size caps are
// tested on their own); larger inputs only make every run slower.
const maxFuzzBytes = 8 << 10

// fuzzBase is a small registry with every field set, so that overrides can
// replace, clear and keep each kind of field. The 1,300-outlet built-in one
// would make every run clone it; TestApplyOverridesBuiltin covers it.
func fuzzBase() []Outlet {
	return []Outlet{
		{ID: "alpha", Name: "Alpha News", Domains: []string{"alpha.example", "alpha-news.example"},
			Homepage: "https://alpha.example/", Country: "GB", Languages: []string{"en", "cy"}, Bias: Center,
			Factuality: High, Owner: "Alpha Ltd", Ownership: Corporation, Paywall: Metered,
			Feeds:   []string{"https://alpha.example/rss"},
			Ratings: []Rating{{Rater: "allsides", Bias: Center, AsOf: 2024}, {Rater: "mbfc", Bias: LeanLeft, Factuality: High, AsOf: 2025}}},
		{ID: "beta", Name: "Beta Times", Domains: []string{"beta.example"}, Country: "US", Bias: Right},
		{ID: "gamma", Name: "Gamma", Domains: []string{"news.gamma.example"}},
	}
}

// FuzzApplyOverrides checks ApplyOverrides on any override file. It must
// never change base, must give the same answer twice (error text included:
// operators compare runs), must refuse with ErrInvalid and at most
// maxOverrideErrors per-record messages, and on success return valid outlets
// with unique ids, where the last record for an id decides whether it is
// there, outlets no record names are untouched, and applying the same file to
// its own result (when that succeeds) changes nothing.
//
//	go test ./internal/outlets -run '^$' -fuzz '^FuzzApplyOverrides$' -fuzztime 30s
func FuzzApplyOverrides(f *testing.F) {
	for _, s := range []string{
		`[{"id": "alpha", "bias": "lean-left", "owner": "New Owner"}, {"id": "beta", "remove": true},
		  {"id": "delta", "name": "Delta Daily", "domains": ["delta.example", "del.ta"], "country": "IE"},
		  {"id": "alpha", "factuality": null}, {"id": "ghost", "remove": true}]`,
		`[]`, `{"id": "x"}`, `[{"id": "x",]`, `[42]`, `[{"name": "X"}]`, `[{"id": "alpha", "factualty": "high"}]`,
		`[{"id": "alpha", "x": 1, "y": 2, "z": 3}]`, `[{"id": "alpha"}, {"id": "alpha", "bias": "leftish"}]`,
		`[{"id": "alpha", "domains": "alpha.example"}]`, `[{"id": "newbie", "name": "Newbie"}]`,
		`[{"id": "x", "name": "X", "domains": ["www.x.example"]}]`, `[{"id": "alpha", "remove": true, "name": "A"}]`,
		`[{"id": "alpha", "remove": true}, {"id": "alpha", "name": "Alpha Again", "domains": ["alpha.example"]}, {"id": "eps", "name": "E", "domains": ["e.example"]}]`,
		`[{"id": "gamma", "bias": "left"}, {"id": "gamma", "remove": true}]`,
		`[{"id": "beta", "ratings": [{"rater": "adfontes", "bias": "right", "as_of": 2023}], "languages": [], "paywall": "hard"}]`,
		`[{"id": "beta", "domains": ["alpha.example"]}]`,
		`[{"id": "alpha", "owner": "x"}, {"id": "zed", "remove": "", "remove": true}]`, // the last of repeated keys counts
	} {
		f.Add([]byte(s))
	}
	// Records of the built-in registry, as an operator copying one would write them.
	builtin, err := decode(builtinJSON)
	if err != nil {
		f.Fatal(err)
	}
	if b, err := json.Marshal(builtin[:2]); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzBytes {
			return
		}
		base := fuzzBase()
		out, notes, err := ApplyOverrides(base, data)
		if !slices.EqualFunc(base, fuzzBase(), sameOutlet) {
			t.Fatalf("ApplyOverrides changed its base: %+v", base)
		}
		out2, notes2, err2 := ApplyOverrides(base, data)
		if errText(err) != errText(err2) || !slices.EqualFunc(out, out2, sameOutlet) || !slices.Equal(notes, notes2) {
			t.Fatalf("two runs differ:\n%v / %q\n%v / %q", err, notes, err2, notes2)
		}
		if err != nil {
			checkInvalid(t, err, "outlets: invalid registry: ", "record ", maxOverrideErrors)
			return
		}
		ids := map[string]bool{}
		for _, o := range out {
			if err := o.validate(); err != nil {
				t.Errorf("outlet %q is invalid: %v", o.ID, err)
			}
			if ids[o.ID] {
				t.Errorf("id %q appears twice", o.ID)
			}
			ids[o.ID] = true
		}
		// ApplyOverrides accepted data, so it is an array of objects with a
		// string id and, if any, a boolean remove (of a repeated key, JSON
		// decoding keeps the last).
		var recs []map[string]json.RawMessage
		if err := json.Unmarshal(data, &recs); err != nil {
			t.Fatalf("accepted overrides that are not an array of objects: %v", err)
		}
		present := map[string]bool{}
		for _, r := range recs {
			var id string
			var remove bool
			if err := json.Unmarshal(r["id"], &id); err != nil {
				t.Fatalf("accepted a record without a string id: %v", err)
			}
			if rm, ok := r["remove"]; ok {
				if err := json.Unmarshal(rm, &remove); err != nil {
					t.Fatalf("accepted a record with a non-boolean remove: %v", err)
				}
			}
			present[id] = !remove
		}
		for id, want := range present {
			if ids[id] != want {
				t.Errorf("outlet %q present = %v; the last record for it says %v", id, ids[id], want)
			}
		}
		for _, b := range fuzzBase() {
			if _, named := present[b.ID]; named {
				continue
			}
			i := slices.IndexFunc(out, func(o Outlet) bool { return o.ID == b.ID })
			if i < 0 || !sameOutlet(out[i], b) {
				t.Errorf("outlet %q, which no record names, changed", b.ID)
			}
		}
		if _, err := New(out); err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("New on the result: %v, want nil or ErrInvalid", err)
		}
		// Each record sets fields or removes, so a second application gives
		// the same outlets (in another order: New sorts by id anyway). It may
		// fail where the first did not: a record that edits a base outlet
		// before another removes it finds nothing to edit the second time.
		if again, _, err := ApplyOverrides(out, data); err == nil {
			byID := func(a, b Outlet) int { return strings.Compare(a.ID, b.ID) }
			s1, s2 := slices.SortedFunc(slices.Values(out), byID), slices.SortedFunc(slices.Values(again), byID)
			if !slices.EqualFunc(s1, s2, sameOutlet) {
				t.Errorf("applying the overrides to their own result changed it:\n%+v\n%+v", s1, s2)
			}
		}
	})
}

// sameOutlet compares outlets as the registry file would store them, so that
// a nil and an empty list are the same.
func sameOutlet(a, b Outlet) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// errText is err's message, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// checkInvalid checks a refusal: it matches ErrInvalid, its text starts with
// prefix and is valid UTF-8, and when it lists problems (errors.Join under
// the ErrInvalid wrapper) there are at most max, each starting with item.
func checkInvalid(t *testing.T, err error, prefix, item string, limit int) {
	t.Helper()
	msg := err.Error()
	if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(msg, prefix) || !utf8.ValidString(msg) {
		t.Fatalf("error %q: want ErrInvalid, valid UTF-8, starting %q", msg, prefix)
	}
	wrapped, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return
	}
	for _, e := range wrapped.Unwrap() {
		list, ok := e.(interface{ Unwrap() []error })
		if !ok {
			continue
		}
		problems := list.Unwrap()
		if len(problems) > limit {
			t.Errorf("%d problems listed, want at most %d", len(problems), limit)
		}
		for _, p := range problems {
			if !strings.HasPrefix(p.Error(), item) {
				t.Errorf("problem %q does not start with %q", p, item)
			}
		}
	}
}

// FuzzImportCSV checks ImportCSV on any input: it never panics, refuses with
// ErrInvalid and "line N: ..." problems, and what it accepts is a registry New
// takes (unique ids and domains, every outlet valid), sorted by id, with every
// row's domain in its canonical form (lower case, no www., a fixed point of
// csvDomain) under the row's name, and which exports back to CSV and imports
// again to the same outlets.
//
//	go test ./internal/outlets -run '^$' -fuzz '^FuzzImportCSV$' -fuzztime 30s
func FuzzImportCSV(f *testing.F) {
	const header = "domain,name,bias,factuality,country,feed\n"
	for _, s := range []string{
		header + "kestrelford-gazette.example,Kestrelford Gazette,Lean Left,high,gb,https://kestrelford-gazette.example/feed/\n" +
			"https://www.kgz.example/news/,Kestrelford Gazette,,,GB,\n\n" +
			"wennshire.example,Wennshire Radio,center,mostly factual,GB,\n" +
			"lemonde.example,Le Monde Éditions,,,FR,\n",
		"", "domain,name,slant\n", "domain,bias\n", "\ufeffName, Domain\n\"a.example\",\"A, the \"\"first\"\"\"\n",
		header + "a.example,A,leftish,,,\n", header + "a.example,A,,great,,\n", header + "not a domain,A,,,,\n",
		header + "co.uk,A,,,,\n", header + "a.example,,,,,\n", header + "a.example,A,,,United Kingdom,\n",
		header + "a.example,A,,,,ftp://a.example/rss\n", header + "a.example,A,left,,,\nb.example,A,right,,,\n",
		header + "a.example,A,,,,\na.example,B,,,,\n", header + "a.example,A,x,,,\nb.example,B,y,,,\n",
		header + "\"a.example,A\n", header + "a\"b.example,A\n",
		header + "a.example,The Times\nb.example,The Times!\nc.example,The Times 2\n",
		header + "a.example," + strings.Repeat("x", 70) + "\nb.example," + strings.Repeat("x", 70) + "!\n",
		header + "HTTP://WWW.A.Example:8080/x,A\nA.EXAMPLE.,A\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzBytes {
			return
		}
		out, err := ImportCSV(bytes.NewReader(data))
		if err != nil {
			checkInvalid(t, err, "outlets: invalid registry: csv: ", "line ", maxCSVErrors)
			return
		}
		if _, err := New(out); err != nil {
			t.Fatalf("ImportCSV returned outlets New refuses: %v", err)
		}
		if !slices.IsSortedFunc(out, func(a, b Outlet) int { return strings.Compare(a.ID, b.ID) }) {
			t.Errorf("outlets not sorted by id")
		}
		byName := map[string]Outlet{}
		for _, o := range out {
			for _, d := range o.Domains {
				if c, err := csvDomain(d); err != nil || c != d {
					t.Errorf("outlet %q: domain %q is not canonical (%q, %v)", o.ID, d, c, err)
				}
			}
			byName[o.Name] = o
		}
		if len(byName) != len(out) {
			t.Errorf("%d outlets but %d names: a name was split", len(out), len(byName))
		}
		checkRows(t, data, byName)

		again, err := ImportCSV(bytes.NewReader(exportCSV(t, out)))
		if err != nil {
			t.Fatalf("the export of an import does not import: %v", err)
		}
		if len(again) != len(out) {
			t.Fatalf("re-import gave %d outlets, want %d", len(again), len(out))
		}
		for _, o := range again {
			// Ids may differ: which name of a slug clash keeps the bare slug
			// depends on row order, and the export is in id order.
			want := byName[o.Name]
			o.ID, want.ID = "", ""
			if !sameOutlet(o, want) {
				t.Errorf("re-import changed %q:\n%+v\n%+v", o.Name, o, want)
			}
		}
	})
}

// checkRows reads data's rows again and checks that each one's canonical
// domain is on the outlet of its name.
func checkRows(t *testing.T, data []byte, byName map[string]Outlet) {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		t.Fatalf("accepted CSV without a header: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for {
		rec, err := cr.Read()
		if err != nil {
			return // io.EOF: ImportCSV would have refused any other error
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		get := func(name string) string {
			if i := col[name]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		name := get("name")
		domain, err := csvDomain(get("domain"))
		if err != nil {
			t.Fatalf("accepted row %q with a bad domain: %v", rec, err)
		}
		if o, ok := byName[name]; !ok || !slices.Contains(o.Domains, domain) {
			t.Errorf("row %q: no outlet %q with domain %q", rec, name, domain)
		}
	}
}

// exportCSV writes outlets in ImportCSV's format, one row per domain (and per
// feed beyond the domains).
func exportCSV(t *testing.T, list []Outlet) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(csvColumns)
	for _, o := range list {
		for i := range max(len(o.Domains), len(o.Feeds)) {
			feed := ""
			if i < len(o.Feeds) {
				feed = o.Feeds[i]
			}
			w.Write([]string{o.Domains[min(i, len(o.Domains)-1)], o.Name, string(o.Bias), string(o.Factuality), o.Country, feed})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestApplyOverridesBuiltin checks the real registry through the path every
// override record takes (marshal, overlay, strict decode, validate): the
// built-in records given back as overrides change nothing, and a file that
// edits one outlet changes that outlet only.
func TestApplyOverridesBuiltin(t *testing.T) {
	t.Parallel()
	base, err := decode(builtinJSON)
	if err != nil {
		t.Fatal(err)
	}
	out, notes, err := ApplyOverrides(base, builtinJSON)
	if err != nil || len(notes) > 0 {
		t.Fatalf("the built-in registry as overrides: %v, notes %q", err, notes)
	}
	if !slices.EqualFunc(out, base, sameOutlet) {
		t.Error("the built-in registry as its own overrides changed it")
	}
	edit := []byte(`[{"id": "` + base[0].ID + `", "owner": "Someone Else", "paywall": null}]`)
	out, _, err = ApplyOverrides(base, edit)
	if err != nil {
		t.Fatal(err)
	}
	want := base[0].clone()
	want.Owner, want.Paywall = "Someone Else", ""
	if !sameOutlet(out[0], want) || !slices.EqualFunc(out[1:], base[1:], sameOutlet) {
		t.Errorf("editing %q: got %+v, want %+v and the rest unchanged", base[0].ID, out[0], want)
	}
	if _, err := New(out); err != nil {
		t.Errorf("New after the edit: %v", err)
	}
}
