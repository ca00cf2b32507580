package places_test

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"

	"scrutin/database/dbtest"
	"scrutin/logistics/check"
	"scrutin/logistics/places"
)

func TestDisplayName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"CHATEAU ARNOUX ST AUBAN", "Château-Arnoux-Saint-Auban"},
		{"DIGNE LES BAINS", "Digne-les-Bains"},
		{"ST PAUL DE VENCE", "Saint-Paul-de-Vence"},
		{"L ISLE SUR LA SORGUE", "L'Isle-sur-la-Sorgue"},
		{"LA ROCHE SUR YON", "La Roche-sur-Yon"},
		{"LES MEES", "Les Mées"},
		{"LE BRUSQUET", "Le Brusquet"},
		{"ST JEAN D ANGELY", "Saint-Jean-d'Angely"},
		{"STE MARIE AUX MINES", "Sainte-Marie-aux-Mines"},
		{"D HUISON LONGUEVILLE", "D'Huison-Longueville"},
		{"ST ETIENNE", "Saint-Étienne"},
		{"PARIS 04", "Paris 4e Arrondissement"},
		{"MARSEILLE 01", "Marseille 1er Arrondissement"},
		{"LYON 9E ARRONDISSEMENT", "Lyon 9e Arrondissement"},
		{"Y", "Y"},
		{"  AJACCIO ", "Ajaccio"},
		{"VILLE DI PIETRABUGNO", "Ville-di-Pietrabugno"},
		{"PONT A MOUSSON", "Pont-à-Mousson"},
		{"MORNE A L EAU", "Morne-à-l'Eau"},
		{"Château-Arnoux-Saint-Auban", "Château-Arnoux-Saint-Auban"}, // already written properly
		{"CHÂTEAU-ARNOUX-SAINT-AUBAN", "Château-Arnoux-Saint-Auban"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := places.DisplayName(tt.in); got != tt.want {
			t.Errorf("DisplayName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Château-Arnoux-Saint-Auban", "chateau arnoux st auban"},
		{"CHATEAU ARNOUX ST AUBAN", "chateau arnoux st auban"},
		{"L'Isle-sur-la-Sorgue", "l isle sur la sorgue"},
		{"Sainte-Marie  aux Mines", "ste marie aux mines"},
		{"Saintes", "saintes"},
		{"Paris 04", "paris 4"},
		{"Œuilly", "oeuilly"},
		{"Beaumont-Pied-de-Bœuf", "beaumont pied de boeuf"},
		{" -- ", ""},
	}
	for _, tt := range tests {
		if got := places.Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeCodes(t *testing.T) {
	communes := []struct {
		in, want string
		ok       bool
	}{
		{"01001", "01001", true},
		{"1001", "01001", true},
		{" 2a004 ", "2A004", true},
		{"2B033", "2B033", true},
		{"97411", "97411", true},
		{"75056", "75056", true},
		{"101", "", false},
		{"2C004", "", false},
		{"040700", "", false},
		{"", "", false},
	}
	for _, tt := range communes {
		if got, ok := places.NormalizeCommune(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeCommune(%q) = %q, %v", tt.in, got, ok)
		}
	}
	bureaux := []struct {
		in, want string
		ok       bool
	}{
		{"2", "2", true},
		{"0002", "2", true},
		{"02", "2", true},
		{"0", "0", true},
		{"0000", "0", true},
		{"12a", "12A", true},
		{"", "", false},
		{"B/3", "", false},
	}
	for _, tt := range bureaux {
		if got, ok := places.NormalizeBureau(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeBureau(%q) = %q, %v", tt.in, got, ok)
		}
	}
	for code, dep := range map[string]string{"04070": "04", "2A004": "2A", "97411": "974", "97101": "971", "75104": "75",
		"97501": "975", "98735": "987", "98818": "988", "98611": "986", "98901": "989", "99138": "99"} {
		if got := places.Departement(code); got != dep {
			t.Errorf("Departement(%q) = %q, want %q", code, got, dep)
		}
	}
	for code, ok := range map[string]bool{"75056": false, "69123": false, "13055": false, "75104": true, "69381": true, "13201": true} {
		if places.IsVotingPlace(code) != ok {
			t.Errorf("IsVotingPlace(%q) = %v", code, !ok)
		}
	}
}

func TestDistanceKm(t *testing.T) {
	paris := places.Point{Lat: 48.8566, Lon: 2.3522}
	marseille := places.Point{Lat: 43.2965, Lon: 5.3698}
	digne := places.Point{Lat: 44.0909, Lon: 6.2359}
	sisteron := places.Point{Lat: 44.2002, Lon: 5.9308}
	tests := []struct {
		name     string
		a, b     places.Point
		min, max float64
	}{
		{"Paris–Marseille", paris, marseille, 655, 665},
		{"Digne–Sisteron", digne, sisteron, 26, 28},
		{"same place", digne, digne, 0, 0},
		{"antipodes", places.Point{Lat: 0, Lon: 0}, places.Point{Lat: 0, Lon: 180}, 20015, 20016},
	}
	for _, tt := range tests {
		d := places.DistanceKm(tt.a, tt.b)
		if d < tt.min || d > tt.max || math.Abs(d-places.DistanceKm(tt.b, tt.a)) > 1e-9 {
			t.Errorf("%s: %.1f km, want %.0f–%.0f", tt.name, d, tt.min, tt.max)
		}
	}
}

func TestSearch(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	importFile(t, pool, "communes", "communes-laposte-hexasmal.csv")
	// Paris as a whole: stored, never offered.
	importText(t, pool, "communes", []byte("Code_commune_INSEE;Nom_commune;Code_postal\n75056;PARIS;75001\n75056;PARIS;75004\n"))

	search := func(q string) []places.Commune {
		t.Helper()
		got, err := places.Search(ctx, pool, q)
		if err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
		checkList(t, q, got)
		return got
	}
	codes := func(cs []places.Commune) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Code)
		}
		return strings.Join(out, " ")
	}

	tests := []struct {
		q     string
		codes string // the whole answer, in order ("" for none)
		first string // or only the first commune
		n     int    // and how many
	}{
		{q: "château-arnoux", codes: "04049"},
		{q: "CHATEAU ARNOUX SAINT AUBAN", codes: "04049"},
		{q: "chateau arnoux st", codes: "04049"},
		// Saint-Auban, the names that start so, then those where it is a
		// later word.
		{q: "saint auban", codes: "06116 05131 26292 26246 04049"},
		{q: "st-auban", codes: "06116 05131 26292 26246 04049"},
		{q: "Saint-Auban-d'Oze", codes: "05131"},
		{q: "isle sur la sorgue", codes: "84054"},
		{q: "l'isle-sur-la-sorgue", codes: "84054"},
		{q: "mées", codes: "40179 04116 72192"},
		{q: "paris 04", first: "75104", n: 1},
		{q: "digne", codes: "04070 11120 11119"},
		{q: "04000", codes: "04070 04074 04097 04167"}, // by name
		{q: "saint", n: places.SearchLimit},
		{q: "st", n: places.SearchLimit},
		{q: "sain", n: places.SearchLimit},
		{q: "75", n: places.SearchLimit},
		{q: "75001", codes: "75101"},
		{q: "zzzqqq", codes: ""},
		{q: "4", codes: ""},
		{q: "  ", codes: ""},
		{q: "'--", codes: ""},
	}
	for _, tt := range tests {
		got := search(tt.q)
		switch {
		case tt.first != "":
			if len(got) == 0 || got[0].Code != tt.first || len(got) < tt.n {
				t.Errorf("Search(%q) = %s, want %s first", tt.q, codes(got), tt.first)
			}
		case tt.n != 0:
			if len(got) != tt.n {
				t.Errorf("Search(%q) returned %d communes, want %d", tt.q, len(got), tt.n)
			}
		default:
			if codes(got) != tt.codes {
				t.Errorf("Search(%q) = %q, want %q", tt.q, codes(got), tt.codes)
			}
		}
	}

	// What the form shows: the display name, département and postal codes.
	got := search("château-arnoux")
	want := places.Commune{Code: "04049", Name: "Château-Arnoux-Saint-Auban", Departement: "04", PostalCodes: []string{"04160", "04600"}}
	got[0].Point = nil
	if !reflect.DeepEqual(got[0], want) {
		t.Fatalf("got %+v, want %+v", got[0], want)
	}
	for _, c := range search("04000") {
		if !contains(c.PostalCodes, "04000") {
			t.Errorf("Search(04000) returned %s without 04000: %v", c.Code, c.PostalCodes)
		}
	}
	// Typing "sain" already offers the Saints; "saintes" and "sainv" the
	// communes whose name really starts so.
	saints := 0
	for _, c := range search("sain") {
		if !strings.HasPrefix(c.Name, "Sain") {
			t.Errorf("Search(sain) offers %s", c.Name)
		}
		if strings.HasPrefix(c.Name, "Saint") {
			saints++
		}
	}
	if saints < places.SearchLimit/2 {
		t.Errorf("Search(sain) offers only %d Saint-...", saints)
	}
	if got := codes(search("saintes")); !strings.HasPrefix(got, "17415") {
		t.Errorf("Search(saintes) = %s, want Saintes (17415) first", got)
	}
	if got := codes(search("sainv")); got != "28363" {
		t.Errorf("Search(sainv) = %s, want Sainville (28363)", got)
	}
	for _, c := range search("saint") {
		if !strings.HasPrefix(c.Name, "Saint") {
			t.Errorf("Search(saint) offers %s", c.Name)
		}
	}
}

func TestCheckPlace(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	communesFor(t, pool)
	importText(t, pool, "bureaux", []byte("code_commune,code\n04070,1\n04070,12\n"))
	tests := []struct {
		commune, bureau  string
		required         bool
		wantC, wantB     string
		errField, errMsg string
	}{
		{"04070", "0012", true, "04070", "12", "", ""},
		{"4070", "", false, "04070", "", "", ""},
		{"04070", "", true, "", "", "bureau", "Choisissez votre bureau de vote."},
		{"04070", "7", false, "", "", "bureau", "Ce bureau de vote n'existe pas dans cette commune."},
		{"75056", "", false, "", "", "commune", "Choisissez votre arrondissement, pas la ville entière."},
		{"04999", "", false, "", "", "commune", "Commune inconnue."},
		{"abc", "", false, "", "", "commune", "Code de commune invalide."},
		{"", "", false, "", "", "commune", "Choisissez votre commune."},
	}
	for _, tt := range tests {
		errs := check.Errors{}
		c, b, err := places.CheckPlace(ctx, pool, errs, "commune", tt.commune, "bureau", tt.bureau, tt.required)
		if err != nil {
			t.Fatal(err)
		}
		if tt.errField != "" {
			if errs[tt.errField] != tt.errMsg {
				t.Errorf("CheckPlace(%q, %q): errors %v, want %s: %q", tt.commune, tt.bureau, errs, tt.errField, tt.errMsg)
			}
			continue
		}
		if len(errs) != 0 || c != tt.wantC || b != tt.wantB {
			t.Errorf("CheckPlace(%q, %q) = %q, %q, %v", tt.commune, tt.bureau, c, b, errs)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestValidDepartement(t *testing.T) {
	// Saint-Barthélemy (977) and Saint-Martin (978) are well formed, as
	// staff scopes have them; 979 is not, nor the Pacific's 98x, which are
	// collectivities (insee.KnownCollectivity: CheckArea takes them).
	for code, want := range map[string]bool{"04": true, "2A": true, "2B": true, "974": true, "976": true,
		"977": true, "978": true, "99": true, "4": false, "2a": false, "979": false, "987": false,
		"20A": false, "": false, "04 OR 1=1": false} {
		if got := places.ValidDepartement(code); got != want {
			t.Errorf("ValidDepartement(%q) = %v", code, got)
		}
	}
}

// CheckArea reads the codes as insee does: a well-formed code no
// département has is unknown, not malformed; a commune of a collectivity
// of 98x codes comes with its collectivity, which is a filter too.
func TestCheckAreaCodes(t *testing.T) {
	for _, c := range []struct{ dep, commune, wantDep, wantCom, field, msg string }{
		{"4", "", "04", "", "", ""},
		{" 2a ", "", "2A", "", "", ""},
		{"977", "", "977", "", "", ""},
		{"", "97801", "978", "97801", "", ""},
		{"", "2a004", "2A", "2A004", "", ""},
		{"971", "97101", "971", "97101", "", ""},
		{"979", "", "", "", "departement", "Code de département invalide (par exemple 04, 2A ou 974)."},
		{"2C", "", "", "", "departement", "Code de département invalide (par exemple 04, 2A ou 974)."},
		{"20", "", "", "", "departement", "Département inconnu : 20."},
		{"96", "", "", "", "departement", "Département inconnu : 96."},
		{"", "20004", "", "", "commune", "Commune inconnue : 20004."},
		{"", "98735", "987", "98735", "", ""},
		{"987", "98735", "987", "98735", "", ""},
		{"987", "", "987", "", "", ""},
		{" 988 ", "", "988", "", "", ""},
		{"", "98818", "988", "98818", "", ""},
		{"986", "98611", "986", "98611", "", ""},
		{"984", "", "984", "", "", ""},
		{"975", "", "975", "", "", ""},
		{"", "97501", "975", "97501", "", ""},
		{"988", "98735", "", "", "commune", "Indiquez une commune ou un département, pas les deux."},
		{"98", "98735", "", "", "commune", "Indiquez une commune ou un département, pas les deux."},
		{"98", "", "", "", "departement", "Département inconnu : 98."},
		{"985", "", "", "", "departement", "Code de département invalide (par exemple 04, 2A ou 974)."},
		{"989", "", "", "", "departement", "L'île de Clipperton (989) n'a ni habitant ni bureau de vote : personne n'y vote."},
		{"", "98901", "", "", "commune", "L'île de Clipperton (98901) n'a ni habitant ni bureau de vote : personne n'y vote."}, // Clipperton
		{"", "98501", "", "", "commune", "Commune inconnue : 98501."},
		{"", "99138", "", "", "commune", "Commune inconnue : 99138."},
		{"", "97901", "", "", "commune", "Commune inconnue : 97901."},
		{"", "2C004", "", "", "commune", "Code de commune invalide (5 caractères INSEE, par exemple 04070)."},
	} {
		dep, com, err := places.CheckArea(nil, c.dep, c.commune)
		if c.field == "" {
			if err != nil || dep != c.wantDep || com != c.wantCom {
				t.Errorf("CheckArea(%q, %q) = %q, %q, %v", c.dep, c.commune, dep, com, err)
			}
			continue
		}
		if inv, ok := check.AsInvalid(err); !ok || inv.Fields[c.field] != c.msg {
			t.Errorf("CheckArea(%q, %q): %v, want %s: %q", c.dep, c.commune, err, c.field, c.msg)
		}
	}
}
