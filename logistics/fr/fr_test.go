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
