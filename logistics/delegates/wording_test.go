package delegates

import (
	"strings"
	"testing"
	"time"
)

// A seat's line in the assignment e-mail says the town once, whatever the
// bureau's address holds.
func TestSeatLineSaysTheTownOnce(t *testing.T) {
	day := time.Date(2027, 1, 3, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		seat Seat
		want string
	}{
		{"address with postal code and town", Seat{CommuneCode: "97701", CommuneName: "Saint-Barthélemy", BureauName: "Hôtel de la Collectivité",
			Address: "Rue Jeanne d'Arc, 97133 Saint-Barthélemy"}, "bureau 1 « Hôtel de la Collectivité », Rue Jeanne d'Arc, 97133 Saint-Barthélemy\n"},
		{"a city's arrondissement", Seat{CommuneCode: "75104", CommuneName: "Paris 4e Arrondissement", BureauName: "Mairie d'arrondissement",
			Address: "2 place Baudoyer, 75004 Paris"}, "bureau 1 « Mairie d'arrondissement », 2 place Baudoyer, 75004 Paris\n"},
		{"town in capitals", Seat{CommuneCode: "04070", CommuneName: "Digne-les-Bains", Address: "Place du Général de Gaulle, 04000 DIGNE-LES-BAINS"},
			"bureau 1, Place du Général de Gaulle, 04000 DIGNE-LES-BAINS\n"},
		{"address without its town", Seat{CommuneCode: "04209", CommuneName: "Sisteron", BureauName: "Mairie", Address: "Place de la République"},
			"bureau 1 « Mairie », Place de la République, Sisteron\n"},
		{"address ending with the town", Seat{CommuneCode: "04088", CommuneName: "Forcalquier", Address: "Place du Bourguet, Forcalquier"},
			"bureau 1, Place du Bourguet, Forcalquier\n"},
		{"a street named after the town", Seat{CommuneCode: "04112", CommuneName: "Manosque", Address: "Avenue de Manosque-Ouest"},
			"bureau 1, Avenue de Manosque-Ouest, Manosque\n"},
		{"no address", Seat{CommuneCode: "04209", CommuneName: "Sisteron"}, "bureau 1, Sisteron\n"},
		{"a commune without a name", Seat{CommuneCode: "04999", CommuneName: "04999"}, "bureau 1, commune 04999\n"},
	} {
		s := tc.seat
		s.Round, s.RoundDate, s.BureauCode, s.Role = 1, day, "1", AssesseurTitulaire
		body := assignedBody("Claire", "Élection", []Seat{s}, "http://test/assesseurs/t/x")
		if !strings.Contains(body, "- 1er tour, le 03/01/2027 : Assesseur titulaire, "+tc.want) || strings.Contains(body, "("+s.CommuneName+")") {
			t.Errorf("%s: want %q\n%s", tc.name, tc.want, body)
		}
	}
}

// The candidate or list as sentences say it: a list takes its article.
func TestCandidateName(t *testing.T) {
	for in, want := range map[string]string{
		"Liste « Ensemble pour demain »":    "la liste « Ensemble pour demain »",
		"  liste  « Ensemble pour demain »": "la liste « Ensemble pour demain »",
		"La liste « Ensemble pour demain »": "la liste « Ensemble pour demain »",
		"Liste Ensemble pour demain":        "la liste Ensemble pour demain",
		"Liste« Ensemble »":                 "la liste « Ensemble »",
		"Marie Dupont":                      "Marie Dupont",
		"La France en commun":               "La France en commun",
		"Listes unies":                      "Listes unies",
		"":                                  "",
	} {
		if got := CandidateName(in); got != want {
			t.Errorf("CandidateName(%q) = %q, want %q", in, got, want)
		}
	}
}
