package delegates

import (
	"strings"
	"testing"
	"time"
)

// The deadline in the assignment e-mail is the real one, weekday
// included, whatever day the round falls on, with one deadline per round.
func TestAssignedBodyDeadlines(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	seat := func(round int, date string) Seat {
		return Seat{Round: round, RoundDate: day(date), CommuneCode: "04070", CommuneName: "Digne-les-Bains", BureauCode: "1", Role: AssesseurTitulaire}
	}
	for _, tc := range []struct {
		name  string
		seats []Seat
		want  string
	}{
		{"a Sunday", []Seat{seat(1, "2026-12-13")}, "à la mairie au plus tard le jeudi 10/12/2026 à 18 heures : plus vous"},
		{"a Saturday (never on a Sunday rule)", []Seat{seat(1, "2026-12-12")}, "à la mairie au plus tard le mercredi 09/12/2026 à 18 heures : plus vous"},
		{"two rounds", []Seat{seat(1, "2026-12-13"), seat(1, "2026-12-13"), seat(2, "2026-12-20")},
			"à la mairie au plus tard le jeudi 10/12/2026 à 18 heures pour le 1er tour, et le jeudi 17/12/2026 à 18 heures pour le 2d tour : plus vous"},
		{"across a change of time", []Seat{seat(1, "2027-03-28")}, "au plus tard le jeudi 25/03/2027 à 18 heures :"},
	} {
		body := assignedBody("Claire", "Élection", tc.seats, "http://test/assesseurs/t/x")
		if !strings.Contains(body, tc.want) || strings.Contains(body, "précédant le scrutin") {
			t.Errorf("%s: body lacks %q:\n%s", tc.name, tc.want, body)
		}
	}
}
