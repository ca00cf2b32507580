package places_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"scrutin/database/dbtest"
	"scrutin/logistics/places"
)

// checkList checks what holds for every search: never a city as a whole
// (nobody votes there), at most SearchLimit communes or, with
// arrondissements, SearchMax, and the communes marked exact first.
func checkList(t *testing.T, q string, got []places.Commune) {
	t.Helper()
	arr := false
	for i, c := range got {
		if !places.IsVotingPlace(c.Code) {
			t.Errorf("Search(%q) offers %s, where nobody votes", q, c.Code)
		}
		if c.Exact && i > 0 && !got[i-1].Exact {
			t.Errorf("Search(%q): %s is exact after %s, which is not", q, c.Code, got[i-1].Code)
		}
		arr = arr || strings.Contains(c.Name, " Arrondissement")
	}
	if len(got) > places.SearchMax || !arr && len(got) > places.SearchLimit {
		t.Errorf("Search(%q) returned %d communes", q, len(got))
	}
}

// seq is the codes from..to of arrondissements, "75101 75102 ...".
func seq(from, to int) string {
	var out []string
	for c := from; c <= to; c++ {
		out = append(out, fmt.Sprint(c))
	}
	return strings.Join(out, " ")
}

// What a person types in a form's commune field, and what they must find
// at the top of the list, over the real La Poste file. The whole cities of
// Paris, Lyon and Marseille are also loaded, as an INSEE file would give
// them: a form refuses them, so the search never offers them.
func TestSearchWhatPeopleType(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	importFile(t, pool, "communes", "communes-laposte-hexasmal.csv")
	importText(t, pool, "communes", []byte("Code_commune_INSEE;Nom_commune;Code_postal\n"+
		"75056;PARIS;75001\n69123;LYON;69001\n13055;MARSEILLE;13001\n"))

	tests := []struct {
		q     string
		lead  string // the codes the list starts with, in this order
		exact int    // how many communes are marked exact (what was typed)
		n     int    // how many communes in all (0: not checked)
		names string // the names of the lead, when checked
	}{
		// A city of arrondissements: all of them, in their order, first,
		// then a few other communes; none is what was typed.
		{q: "paris", lead: seq(75101, 75120) + " 81202 82137", n: places.SearchMax},
		{q: "Paris", lead: seq(75101, 75120)},
		{q: "PARIS ", lead: seq(75101, 75120)},
		{q: "lyon", lead: seq(69381, 69389) + " 27377"},
		{q: "marseille", lead: seq(13201, 13216) + " 11220"},
		{q: "pari", lead: seq(75101, 75120)},
		{q: "paris 1", lead: "75101 " + seq(75110, 75119), n: 11},
		{q: "paris 04", lead: "75104", n: 1},
		{q: "Paris 4e", lead: "75104", n: 1, names: "Paris 4e Arrondissement"},
		{q: "lyon 3", lead: "69383", n: 1},
		// INSEE codes, Corsica's letters in either case.
		{q: "2a004", lead: "2A004", exact: 1, n: 1, names: "Ajaccio"},
		{q: "2A004", lead: "2A004", exact: 1, n: 1},
		{q: "2B353", lead: "2B353", exact: 1, n: 1},
		{q: "04070", lead: "04070", exact: 1, n: 1},
		{q: "4070", lead: "04070 40007"}, // INSEE 04070, then postal codes 4070x
		// Postal codes, with a space, without the leading zero; a code that
		// is both a postal code (Marseille 1er) and an INSEE code (Aix).
		{q: "20 000", lead: "2A004", exact: 1, n: 1},
		{q: "20000", lead: "2A004", exact: 1, n: 1},
		{q: "75 004", lead: "75104", exact: 1, n: 1, names: "Paris 4e Arrondissement"},
		{q: "75004", lead: "75104", exact: 1, n: 1},
		{q: "75016", lead: "75116", exact: 1, n: 1},
		{q: "4000", lead: "04070 04074 04097 04167 40192", n: 5, names: "Digne-les-Bains Entrages La Javie La Robine-sur-Galabre Mont-de-Marsan"},
		{q: "04000", lead: "04070 04074 04097 04167", exact: 4, n: 4},
		{q: "13001", lead: "13201 13001", exact: 2, n: 2},
		{q: "75", lead: seq(75101, 75120), n: 20},
		{q: "13", lead: seq(13201, 13216) + " 13001"},
		// A later word of the name.
		{q: "pietrabugno", lead: "2B353", n: 1, names: "Ville-di-Pietrabugno"},
		{q: "Pietrabugno", lead: "2B353", n: 1},
		{q: "ville di", lead: "2B352 2B353"},
		{q: "etienne", lead: "42218"},
		// Accents, hyphens, apostrophes, "Saint", ligatures.
		{q: "saint etienne", lead: "42218", exact: 1, n: places.SearchLimit, names: "Saint-Étienne"},
		{q: "Saint-Étienne", lead: "42218", exact: 1},
		{q: "ST ETIENNE", lead: "42218", exact: 1},
		{q: "st-étienne", lead: "42218", exact: 1},
		{q: "l'isle-sur-la-sorgue", lead: "84054", exact: 1, n: 1},
		{q: "l’isle sur la sorgue", lead: "84054", exact: 1, n: 1},
		{q: "isle sur la sorgue", lead: "84054", exact: 1, n: 1},
		{q: "beaumont pied de bœuf", lead: "53027 72028", exact: 2, n: 2},
		{q: "pont a mousson", lead: "54431", exact: 1, names: "Pont-à-Mousson"},
		// Homonyms, with or without the article: all exact, none chosen
		// for the person.
		{q: "mées", lead: "40179 04116 72192", exact: 3, n: 3},
		// "st" alone is Saint-… being typed: nothing is what was typed.
		{q: "st", lead: "56201", exact: 0, n: 20, names: "Le Saint"},
		{q: "Ste", lead: "59579", exact: 0, n: 20},
		{q: "digne", lead: "04070 11120 11119", n: 3},
		// Nothing.
		{q: "2A", n: 0},
		{q: "2C004", n: 0},
		{q: "750 04", lead: "75104", exact: 1, n: 1},
		{q: "123456", n: 0},
	}
	for _, tt := range tests {
		got, err := places.Search(ctx, pool, tt.q)
		if err != nil {
			t.Fatalf("Search(%q): %v", tt.q, err)
		}
		checkList(t, tt.q, got)
		var codes, names []string
		exact := 0
		for _, c := range got {
			codes = append(codes, c.Code)
			names = append(names, c.Name)
			if c.Exact {
				exact++
			}
		}
		lead := strings.Fields(tt.lead)
		switch {
		case len(codes) < len(lead) || strings.Join(codes[:len(lead)], " ") != tt.lead:
			t.Errorf("Search(%q) = %v, want it to start with %s", tt.q, codes, tt.lead)
		case tt.n != 0 && len(got) != tt.n || tt.lead == "" && len(got) != 0:
			t.Errorf("Search(%q) returned %d communes %v, want %d", tt.q, len(got), codes, tt.n)
		case exact != tt.exact:
			t.Errorf("Search(%q): %d marked exact, want %d: %+v", tt.q, exact, tt.exact, got)
		case tt.names != "" && strings.Join(names[:len(lead)], " ") != tt.names:
			t.Errorf("Search(%q) names %v, want %s", tt.q, names[:len(lead)], tt.names)
		}
	}
}
