package outlets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestApplyOverrides(t *testing.T) {
	t.Parallel()
	base := []Outlet{
		{ID: "alpha", Name: "Alpha News", Domains: []string{"alpha.example"}, Country: "GB", Bias: Center, Factuality: High, Owner: "Alpha Ltd"},
		{ID: "beta", Name: "Beta Times", Domains: []string{"beta.example"}, Country: "US", Bias: Right},
	}
	out, notes, err := ApplyOverrides(base, []byte(`[
		{"id": "alpha", "bias": "lean-left", "owner": "New Owner"},
		{"id": "beta", "remove": true},
		{"id": "gamma", "name": "Gamma Daily", "domains": ["gamma.example", "gam.ma"], "country": "IE"},
		{"id": "alpha", "factuality": null},
		{"id": "ghost", "remove": true}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(out)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := r.ByID("alpha")
	if a.Bias != LeanLeft || a.Owner != "New Owner" || a.Name != "Alpha News" || a.Country != "GB" || a.Factuality != "" {
		t.Errorf("alpha after override = %+v (given fields replaced, others kept, null clears)", a)
	}
	if _, ok := r.ByID("beta"); ok {
		t.Error("beta not removed")
	}
	if g, ok := r.Lookup("www.gam.ma"); !ok || g.ID != "gamma" {
		t.Errorf("gamma not added: %+v", g)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], `no outlet "ghost"`) {
		t.Errorf("notes = %q", notes)
	}
	if base[0].Bias != Center {
		t.Error("the base list was changed")
	}
}

func TestApplyOverridesRejects(t *testing.T) {
	t.Parallel()
	base := []Outlet{{ID: "alpha", Name: "Alpha", Domains: []string{"alpha.example"}}}
	tests := []struct {
		name, data string
		want       []string // all must appear in the error
	}{
		{"not an array", `{"id": "x"}`, []string{"JSON array"}},
		{"not JSON", `[{"id": "x",]`, []string{"JSON array"}},
		{"record not an object", `[42]`, []string{"record 0", "not a JSON object"}},
		{"no id", `[{"name": "X"}]`, []string{"record 0", `field "id"`}},
		{"unknown field", `[{"id": "alpha", "factualty": "high"}]`, []string{"record 0", `(id "alpha")`, `unknown field "factualty"`}},
		{"bad bias", `[{"id": "alpha"}, {"id": "alpha", "bias": "leftish"}]`, []string{"record 1", `field "bias": "leftish"`}},
		{"wrong type", `[{"id": "alpha", "domains": "alpha.example"}]`, []string{"record 0", `field "domains"`}},
		{"new outlet incomplete", `[{"id": "newbie", "name": "Newbie"}]`, []string{`(id "newbie")`, `field "domains"`}},
		{"bad domain", `[{"id": "x", "name": "X", "domains": ["www.x.example"]}]`, []string{`field "domains"`, "www."}},
		{"remove with fields", `[{"id": "alpha", "remove": true, "name": "A"}]`, []string{"takes no other fields"}},
		{"unknown fields in key order", `[{"id": "alpha", "zz": 1, "aa": 2, "mm": 3}]`,
			[]string{`unknown field "aa"` + "\n" + `record 0 (id "alpha"): unknown field "mm"` + "\n" + `record 0 (id "alpha"): unknown field "zz"`}},
		{"several problems listed", `[{"id": "alpha", "bias": "x"}, {"id": "alpha", "paywall": "y"}]`, []string{"record 0", "record 1", `field "paywall"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ApplyOverrides(base, []byte(tt.data))
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

func TestLoadOverridesFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`[{"id": "bbc-news", "owner": "Someone Else"}, {"id": "local-herald", "name": "Local Herald", "domains": ["localherald.example"], "bias": "center"}]`), 0o600)
	r, _, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := r.ByID("bbc-news"); o.Owner != "Someone Else" || o.Bias != Center {
		t.Errorf("bbc-news = %+v", o)
	}
	if o, ok := r.Lookup("news.localherald.example"); !ok || o.ID != "local-herald" {
		t.Errorf("local-herald not found: %+v", o)
	}
	// A new record claiming a built-in outlet's domain is refused.
	clash := filepath.Join(dir, "clash.json")
	os.WriteFile(clash, []byte(`[{"id": "bbc-copy", "name": "Copy", "domains": ["bbc.co.uk"]}]`), 0o600)
	if _, _, err := Load(clash); err == nil || !strings.Contains(err.Error(), "bbc.co.uk") {
		t.Errorf("domain clash: %v", err)
	}
	if _, _, err := Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file accepted")
	}
	r, _, err = Load("")
	if err != nil || r.Len() < 1000 {
		t.Errorf("Load(\"\") = %d outlets, %v", r.Len(), err)
	}
}
