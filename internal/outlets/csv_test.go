package outlets

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestImportCSV(t *testing.T) {
	t.Parallel()
	in := "domain,name,bias,factuality,country,feed\n" +
		"kestrelford-gazette.example,Kestrelford Gazette,Lean Left,high,gb,https://kestrelford-gazette.example/feed/\n" +
		"https://www.kgz.example/news/,Kestrelford Gazette,,,GB,\n" +
		"\n" +
		"wennshire.example,Wennshire Radio,center,mostly factual,GB,\n" +
		"lemonde.example,Le Monde Éditions,,,FR,\n"
	out, err := ImportCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 {
		t.Fatalf("%d outlets, want 3: %+v", len(out), out)
	}
	g := out[0]
	if g.ID != "kestrelford-gazette" || g.Bias != LeanLeft || g.Factuality != High || g.Country != "GB" ||
		strings.Join(g.Domains, " ") != "kestrelford-gazette.example kgz.example" || len(g.Feeds) != 1 {
		t.Errorf("gazette = %+v", g)
	}
	if out[1].ID != "le-monde-editions" {
		t.Errorf("slug = %q", out[1].ID)
	}
	if w := out[2]; w.ID != "wennshire-radio" || w.Factuality != MostlyFactual {
		t.Errorf("radio = %+v", w)
	}
}

func TestImportCSVRejects(t *testing.T) {
	t.Parallel()
	const header = "domain,name,bias,factuality,country,feed\n"
	tests := []struct {
		name, in string
		want     []string
	}{
		{"empty", "", []string{"header"}},
		{"unknown column", "domain,name,slant\n", []string{`unknown column "slant"`}},
		{"no name column", "domain,bias\n", []string{`no "name" column`}},
		{"bad bias", header + "a.example,A,leftish,,,\n", []string{"line 2", `bias "leftish"`}},
		{"bad factuality", header + "a.example,A,,great,,\n", []string{"line 2", `factuality "great"`}},
		{"bad domain", header + "not a domain,A,,,,\n", []string{"line 2", "domain"}},
		{"public suffix", header + "co.uk,A,,,,\n", []string{"line 2", "public suffix"}},
		{"no name", header + "a.example,,,,,\n", []string{"line 2", "name is empty"}},
		{"bad country", header + "a.example,A,,,United Kingdom,\n", []string{"line 2", "country"}},
		{"bad feed", header + "a.example,A,,,,ftp://a.example/rss\n", []string{"line 2", "feed"}},
		{"contradiction", header + "a.example,A,left,,,\nb.example,A,right,,,\n", []string{"line 3", "contradicts"}},
		{"same domain twice", header + "a.example,A,,,,\nb.example,B,,,,\nhttps://www.a.example/x,B,,,,\n",
			[]string{"line 4", `domain "a.example" is already "A"'s (line 2)`}},
		{"several lines", header + "a.example,A,x,,,\nb.example,B,y,,,\n", []string{"line 2", "line 3"}},
		// encoding/csv's own errors: FieldPos has no field to point at after them.
		{"unterminated quote", header + "\"a.example,A\n", []string{"line 2", `extraneous or missing " in quoted-field`}},
		{"bare quote", header + "a.example,A\na\"b.example,B\n", []string{"line 3", "column 2", `bare " in non-quoted-field`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ImportCSV(strings.NewReader(tt.in))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestImportCSVIDs checks that names whose slugs clash get distinct ids that
// are still valid slugs, however the clashes fall.
func TestImportCSVIDs(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 70)
	tests := []struct {
		name, rows string
		want       []string // ids, sorted
	}{
		{"suffixes", "a.example,The Times\nb.example,The Times!\nc.example,The Times?\n",
			[]string{"the-times", "the-times-2", "the-times-3"}},
		// "The Times 2" has the slug the second "The Times" took.
		{"a name whose slug is a suffixed id", "a.example,The Times\nb.example,The Times!\nc.example,The Times 2\n",
			[]string{"the-times", "the-times-2", "the-times-2-2"}},
		{"a suffixed id taken first", "a.example,The Times 2\nb.example,The Times\nc.example,The Times!\n",
			[]string{"the-times", "the-times-2", "the-times-3"}},
		// Slugs are cut to a DNS label (63 characters); the suffix must fit too.
		{"long names", "a.example," + long + "\nb.example," + long + "!\n",
			[]string{strings.Repeat("x", 61) + "-2", strings.Repeat("x", 63)}},
		{"long name cut at a hyphen", "a.example," + strings.Repeat("x", 60) + " y\nb.example," + strings.Repeat("x", 60) + " y!\n",
			[]string{strings.Repeat("x", 60) + "-2", strings.Repeat("x", 60) + "-y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := ImportCSV(strings.NewReader("domain,name\n" + tt.rows))
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, o := range out {
				ids = append(ids, o.ID)
			}
			if strings.Join(ids, " ") != strings.Join(tt.want, " ") {
				t.Errorf("ids = %q, want %q", ids, tt.want)
			}
		})
	}
}

// TestImportCSVLinear checks that an outlet with many rows costs linear
// time: checking the whole merged outlet on every row made 4,000 rows of one
// name take 3 s.
func TestImportCSVLinear(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("domain,name,feed\n")
	const rows = 20_000
	for i := range rows {
		fmt.Fprintf(&b, "d%d.example,One Outlet,https://d%d.example/rss\n", i, i)
	}
	out, err := ImportCSV(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || len(out[0].Domains) != rows || len(out[0].Feeds) != rows {
		t.Fatalf("%d outlets, want 1 with %d domains and feeds", len(out), rows)
	}
	// About 0.1 s on one core; quadratic work took minutes, past go test's own
	// timeout. BenchmarkImportCSV measures it.
}

// BenchmarkImportCSV: rows of one outlet imported per second.
func BenchmarkImportCSV(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("domain,name,feed\n")
	const rows = 20_000
	for i := range rows {
		fmt.Fprintf(&sb, "d%d.example,One Outlet,https://d%d.example/rss\n", i, i)
	}
	in := sb.String()
	for b.Loop() {
		if _, err := ImportCSV(strings.NewReader(in)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
