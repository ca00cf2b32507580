package fr

import "testing"

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 personne désignée"}, {1, "1 personne désignée"}, {2, "2 personnes désignées"}, {11, "11 personnes désignées"}} {
		if got := Count(tc.n, "personne désignée", "personnes désignées"); got != tc.want {
			t.Errorf("Count(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestDe(t *testing.T) {
	for s, want := range map[string]string{
		"Paul": "de Paul", "Anne": "d'Anne", "Élodie": "d'Élodie", "Aix-en-Provence": "d'Aix-en-Provence",
		"Yves": "d'Yves", "Hugo": "de Hugo", "Digne-les-Bains": "de Digne-les-Bains", "": "de ",
	} {
		if got := De(s); got != want {
			t.Errorf("De(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestOfPlace(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"Le Havre", "du Havre"},
		{"Les Abymes", "des Abymes"},
		{"Les Sables-d'Olonne", "des Sables-d'Olonne"},
		{"Le Mée-sur-Seine", "du Mée-sur-Seine"},
		{"La Rochelle", "de La Rochelle"},
		{"L'Haÿ-les-Roses", "de L'Haÿ-les-Roses"},
		{"Arles", "d'Arles"},
		{"Aix-en-Provence", "d'Aix-en-Provence"},
		{"Évry-Courcouronnes", "d'Évry-Courcouronnes"},
		{"Paris", "de Paris"},
		{"Digne-les-Bains", "de Digne-les-Bains"},
		{"Château-Arnoux-Saint-Auban", "de Château-Arnoux-Saint-Auban"},
		{"Lespinasse", "de Lespinasse"}, // no article: "Les" not followed by a space
		{"Lens", "de Lens"},
		{"Le", "de Le"},
		{"le Havre", "de le Havre"}, // only the capitalised article of a name
	} {
		if got := OfPlace(tt.name); got != tt.want {
			t.Errorf("OfPlace(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestList(t *testing.T) {
	for _, tt := range []struct {
		items []string
		conj  string
		want  string
	}{
		{nil, "et", ""},
		{[]string{"a"}, "et", "a"},
		{[]string{"a", "b"}, "et", "a et b"},
		{[]string{"a", "b", "c"}, "ou", "a, b ou c"},
	} {
		if got := List(tt.items, tt.conj); got != tt.want {
			t.Errorf("List(%q, %q) = %q, want %q", tt.items, tt.conj, got, tt.want)
		}
	}
}

func TestRound(t *testing.T) {
	for n, want := range map[int]string{1: "1er tour", 2: "2d tour", 3: "3e tour", 0: "tour 0", -1: "tour -1"} {
		if got := Round(n); got != want {
			t.Errorf("Round(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestTheRound(t *testing.T) {
	for _, tt := range []struct {
		prep string
		n    int
		want string
	}{
		{"le", 1, "le 1er tour"},
		{"le", 2, "le 2d tour"},
		{"Le", 1, "Le 1er tour"},
		{"à", 1, "au 1er tour"},
		{"à", 2, "au 2d tour"},
		{"À", 2, "Au 2d tour"},
		{"de", 1, "du 1er tour"},
		{"De", 2, "Du 2d tour"},
		{"pour", 1, "pour le 1er tour"},
		{"pour", 2, "pour le 2d tour"},
		{"avant", 3, "avant le 3e tour"},
	} {
		if got := TheRound(tt.prep, tt.n); got != tt.want {
			t.Errorf("TheRound(%q, %d) = %q, want %q", tt.prep, tt.n, got, tt.want)
		}
	}
}

func TestAtPlace(t *testing.T) {
	for name, want := range map[string]string{
		"Le Havre": "au Havre", "Les Abymes": "aux Abymes", "La Rochelle": "à La Rochelle",
		"L'Haÿ-les-Roses": "à L'Haÿ-les-Roses", "Arles": "à Arles", "Paris": "à Paris",
		"Lesparre-Médoc": "à Lesparre-Médoc", "Lens": "à Lens",
	} {
		if got := AtPlace(name); got != want {
			t.Errorf("AtPlace(%q) = %q, want %q", name, got, want)
		}
	}
}
