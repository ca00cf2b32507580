package delegates_test

import (
	"context"
	"strings"
	"testing"

	"scrutin/logistics/delegates"
)

// The assignment e-mail says the bureau's town once: the bureau's address
// ends with its postal code and town, and the commune is not repeated
// after it (« 97133 Saint-Barthélemy (Saint-Barthélemy) »), for a seat
// given by hand as for a run's.
func TestAssignmentMailSaysTheTownOnce(t *testing.T) {
	d, e, admin := setup(t, false)
	ctx := context.Background()
	for _, sql := range []string{
		`INSERT INTO communes (code, name, departement, latitude, longitude, search_name) VALUES ('97701', 'Saint-Barthélemy', '977', 17.9, -62.85, 'saint barthelemy') ON CONFLICT DO NOTHING`,
		`INSERT INTO postal_codes (postal_code, commune_code) VALUES ('97133', '97701') ON CONFLICT DO NOTHING`,
		`INSERT INTO bureaux (commune_code, code, name, address, postal_code) VALUES ('97701', '1', 'Hôtel de la Collectivité', 'Rue Jeanne d''Arc, Gustavia, 97133 Saint-Barthélemy', '97133')`,
	} {
		if _, err := d.Pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	body := func(email string) string {
		t.Helper()
		var b string
		if err := d.Pool.QueryRow(ctx, `SELECT body FROM outbox WHERE recipient = $1 AND kind = 'delegate.assignment' ORDER BY id DESC LIMIT 1`, email).Scan(&b); err != nil {
			t.Fatalf("no assignment message to %s: %v", email, err)
		}
		return b
	}

	// By hand, in Saint-Barthélemy.
	in := validSignup("gustavia@example.org")
	in.CommuneCode, in.BureauCode, in.PostalCode, in.City, in.Address = "97701", "1", "97133", "Saint-Barthélemy", "2 rue du Port"
	in.BirthPlace, in.Roles = "Gustavia (977)", []string{"assesseur_titulaire"}
	s, err := d.Signup(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Assign(ctx, admin, delegates.ManualInput{Election: e.Slug, Round: 1, CommuneCode: "97701", BureauCode: "1",
		Role: "assesseur_titulaire", VolunteerID: s.ID}); err != nil {
		t.Fatal(err)
	}
	got := body("gustavia@example.org")
	if want := ` : Assesseur titulaire, bureau 1 « Hôtel de la Collectivité », Rue Jeanne d'Arc, Gustavia, 97133 Saint-Barthélemy` + "\n"; !strings.Contains(got, want) ||
		strings.Contains(got, "(Saint-Barthélemy)") {
		t.Fatalf("seat line: want %q\n%s", want, got)
	}

	// By a run, in Digne-les-Bains (« Place du Général de Gaulle, 04000
	// Digne-les-Bains »).
	in = validSignup("digne@example.org")
	in.CommuneCode, in.BureauCode, in.Roles, in.Rounds = "04070", "1", []string{"assesseur_titulaire"}, []int{1}
	if _, err := d.Signup(ctx, in); err != nil {
		t.Fatal(err)
	}
	round := 1
	if _, err := d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug, Round: &round, Commune: "04070"}); err != nil {
		t.Fatal(err)
	}
	got = body("digne@example.org")
	if !strings.Contains(got, ", 04000 Digne-les-Bains\n") || strings.Contains(got, "(Digne-les-Bains)") {
		t.Fatalf("seat line of a run: the town once\n%s", got)
	}
}
