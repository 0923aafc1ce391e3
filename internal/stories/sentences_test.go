package stories

import (
	"slices"
	"strings"
	"testing"
)

func TestSentences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, lang, text string
		want             []string
	}{
		// English.
		{"en plain", "en", "The storm hit. Power is out!", []string{"The storm hit.", "Power is out!"}},
		{"en title", "en", "Mr. Smith met Dr. Jones. They talked.", []string{"Mr. Smith met Dr. Jones.", "They talked."}},
		{"en U.S. inside", "en", "The U.S. State Department said no. It was final.", []string{"The U.S. State Department said no.", "It was final."}},
		{"en U.S. at end", "en", "Troops left the U.S. The move was sudden.", []string{"Troops left the U.S.", "The move was sudden."}},
		{"en month", "en", "It happened on Jan. 5 in Ohio. Nobody was hurt.", []string{"It happened on Jan. 5 in Ohio.", "Nobody was hurt."}},
		{"en initials", "en", "George W. Bush and J. K. Rowling spoke. Both smiled.", []string{"George W. Bush and J. K. Rowling spoke.", "Both smiled."}},
		{"en decimal and percent", "en", "Growth was 3.5% in May. Prices rose 1.2 percent.", []string{"Growth was 3.5% in May.", "Prices rose 1.2 percent."}},
		{"en closing quote", "en", `"We will win," he said. "We always do." Then he left.`, []string{`"We will win," he said.`, `"We always do."`, "Then he left."}},
		{"en curly quote", "en", "She said “No.” The room went quiet.", []string{"She said “No.”", "The room went quiet."}},
		{"en bracket", "en", "It passed (narrowly.) Critics objected.", []string{"It passed (narrowly.)", "Critics objected."}},
		{"en ellipsis lower", "en", "He paused... and then went on. End.", []string{"He paused... and then went on.", "End."}},
		{"en ellipsis upper", "en", "He paused… Then he went on.", []string{"He paused…", "Then he went on."}},
		{"en question exclamation", "en", "Why now?! Nobody knows. Really?", []string{"Why now?!", "Nobody knows.", "Really?"}},
		{"en etc lower", "en", "Apples, pears, etc. are sold here. Come in.", []string{"Apples, pears, etc. are sold here.", "Come in."}},
		{"en a.m.", "en", "It began at 9 a.m. The police came at noon.", []string{"It began at 9 a.m.", "The police came at noon."}},
		{"en Inc. name", "en", "Apple Inc. shares fell. Analysts shrugged.", []string{"Apple Inc. shares fell.", "Analysts shrugged."}},
		{"en paragraphs", "en", "First line without stop\n\nSecond paragraph. Third.", []string{"First line without stop", "Second paragraph.", "Third."}},
		{"en domain", "en", "See example.com for more. Thanks.", []string{"See example.com for more.", "Thanks."}},
		{"en number end", "en", "The count reached 1,200. Officials said more may come.", []string{"The count reached 1,200.", "Officials said more may come."}},
		{"en unknown lang falls back", "xx", "Mr. Brown won. He cheered.", []string{"Mr. Brown won.", "He cheered."}},
		// German.
		{"de z. B.", "de", "Viele Städte, z. B. Berlin, sind betroffen. Die Lage ist ernst.", []string{"Viele Städte, z. B. Berlin, sind betroffen.", "Die Lage ist ernst."}},
		{"de bzw.", "de", "Die Preise stiegen bzw. sanken kaum. Das überrascht.", []string{"Die Preise stiegen bzw. sanken kaum.", "Das überrascht."}},
		{"de ordinal date", "de", "Am 3. Oktober feiert Deutschland. Es ist ein Feiertag.", []string{"Am 3. Oktober feiert Deutschland.", "Es ist ein Feiertag."}},
		{"de ordinal century", "de", "Im 19. Jahrhundert wuchs die Stadt. Dann kam der Krieg.", []string{"Im 19. Jahrhundert wuchs die Stadt.", "Dann kam der Krieg."}},
		{"de Dr.", "de-DE", "Dr. Müller sprach lange. Er war müde.", []string{"Dr. Müller sprach lange.", "Er war müde."}},
		{"de year ends", "de", "Er wurde 1990 geboren. Seitdem lebt er hier.", []string{"Er wurde 1990 geboren.", "Seitdem lebt er hier."}},
		{"de quote", "de", "„Wir schaffen das.“ Das sagte sie.", []string{"„Wir schaffen das.“", "Das sagte sie."}},
		// French.
		{"fr M.", "fr", "M. Macron a parlé. Il a promis des réformes.", []string{"M. Macron a parlé.", "Il a promis des réformes."}},
		{"fr guillemets", "fr", "Il a dit : « C'est fini. » Puis il est parti.", []string{"Il a dit : « C'est fini. »", "Puis il est parti."}},
		{"fr spaced question", "fr", "Pourquoi maintenant ? Personne ne sait.", []string{"Pourquoi maintenant ?", "Personne ne sait."}},
		{"fr etc.", "fr", "Pommes, poires, etc. Le marché ouvre tôt.", []string{"Pommes, poires, etc.", "Le marché ouvre tôt."}},
		// Spanish.
		{"es inverted marks", "es", "¿Qué pasó? ¡Nadie lo sabe! El juez habló.", []string{"¿Qué pasó?", "¡Nadie lo sabe!", "El juez habló."}},
		{"es Sr. Sra.", "es", "El Sr. Pérez y la Sra. García llegaron. Hubo aplausos.", []string{"El Sr. Pérez y la Sra. García llegaron.", "Hubo aplausos."}},
		{"es EE.UU.", "es", "Viajó a EE.UU. El viaje duró un mes.", []string{"Viajó a EE.UU.", "El viaje duró un mes."}},
		{"es decimal comma", "es", "La inflación fue del 3,5%. Subió otra vez.", []string{"La inflación fue del 3,5%.", "Subió otra vez."}},
		// Italian, Portuguese, Dutch.
		{"it Sig.", "it", "Il Sig. Rossi è arrivato. La riunione è iniziata.", []string{"Il Sig. Rossi è arrivato.", "La riunione è iniziata."}},
		{"pt Sr.", "pt-BR", "O Sr. Silva falou. Ele pediu calma.", []string{"O Sr. Silva falou.", "Ele pediu calma."}},
		{"nl bijv.", "nl", "Steden, bijv. Utrecht, groeien. Dat kost geld.", []string{"Steden, bijv. Utrecht, groeien.", "Dat kost geld."}},
		// Edges.
		{"empty", "en", "", nil},
		{"only spaces", "en", "  \n\n ", nil},
		{"no final stop", "en", "One. Two", []string{"One.", "Two"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Sentences(tt.text, tt.lang)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Sentences(%q, %q)\n got %q\nwant %q", tt.text, tt.lang, got, tt.want)
			}
			for _, s := range got {
				if !strings.Contains(tt.text, s) {
					t.Errorf("sentence %q is not a substring of the text", s)
				}
			}
		})
	}
}

func TestSentencesBounded(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("A short one. ", 3*maxSentences)
	if got := len(Sentences(text, "en")); got != maxSentences {
		t.Errorf("%d sentences, want the bound %d", got, maxSentences)
	}
}

// FuzzSentences splits any text (article text is the publisher's, untrusted) in
// every language: no panic, every sentence a trimmed, non-empty substring of the
// text, in order; and the candidates within their bounds.
func FuzzSentences(f *testing.F) {
	for _, s := range []string{"Mr. Smith went to Washington. He won.", "Am 3. Oktober. z. B. Berlin.", "¿Qué? ¡Sí! « Non. » Fin…", "U.S.", "...", "a.\n\nb!", "\xff\xfe. X"} {
		f.Add(s, "en")
		f.Add(s, "de")
	}
	f.Fuzz(func(t *testing.T, text, lang string) {
		rest := text
		for _, s := range Sentences(text, lang) {
			if s == "" || s != strings.TrimSpace(s) {
				t.Fatalf("sentence %q is empty or untrimmed", s)
			}
			i := strings.Index(rest, s)
			if i < 0 {
				t.Fatalf("sentence %q is not in the text after the previous one", s)
			}
			rest = rest[i+len(s):]
		}
		cands := Candidates(text, lang)
		total := 0
		for _, c := range cands {
			total += len(c.Text)
			if !strings.Contains(text, c.Text) {
				t.Fatalf("candidate %q is not in the text", c.Text)
			}
		}
		if len(cands) > MaxCandidates || total > MaxCandidateBytes {
			t.Fatalf("%d candidates, %d bytes: over the bounds", len(cands), total)
		}
	})
}
