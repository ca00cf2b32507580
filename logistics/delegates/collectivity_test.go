package delegates_test

import (
	"context"
	"testing"

	"scrutin/logistics/check"
	"scrutin/logistics/delegates"
)

// The needs of an overseas collectivity of 98x communes (987, French
// Polynesia) are set as a département's are; a code no département nor
// collectivity has is refused.
func TestRolesRuleOfACollectivity(t *testing.T) {
	d, e, admin := setup(t, false)
	ctx := context.Background()
	if _, err := d.Pool.Exec(ctx, `
		INSERT INTO communes (code, name, departement, search_name) VALUES ('98735', 'Papeete', '987', 'papeete');
		INSERT INTO bureaux (commune_code, code, name) VALUES ('98735', '1', 'Mairie de Papeete'), ('98735', '2', 'École Pomare')`); err != nil {
		t.Fatal(err)
	}
	seats := func() (n int) {
		d.Pool.QueryRow(ctx, `SELECT count(*) FROM delegate_seats WHERE election_id = $1 AND round = 1 AND commune_code = '98735'`, e.ID).Scan(&n)
		return n
	}
	if n := seats(); n != 6 { // 2 bureaux × the 3 default roles
		t.Fatalf("default needs of Papeete: %d seats", n)
	}
	if err := d.SetRoles(ctx, admin, delegates.RolesInput{Election: e.Slug, Scope: "987", Roles: []string{"assesseur_titulaire"}}); err != nil {
		t.Fatalf("rule of the 987: %v", err)
	}
	if n := seats(); n != 2 {
		t.Errorf("after the rule of the 987: %d seats in Papeete, want 2", n)
	}
	for scope, want := range map[string]string{
		"985": "Code de département invalide.",
		"99":  "Code de département invalide.",
		"98":  "Code de département invalide. Les collectivités du Pacifique ont trois chiffres : 984, 986, 987 ou 988.",
	} {
		err := d.SetRoles(ctx, admin, delegates.RolesInput{Election: e.Slug, Scope: scope, Roles: []string{"assesseur_titulaire"}})
		if inv, ok := check.AsInvalid(err); !ok || inv.Fields["scope"] != want {
			t.Errorf("rule of %q: %v, want « %s »", scope, err, want)
		}
	}
}

// A scope code in words: a collectivity is not called a département.
func TestPlaceNameOfACollectivity(t *testing.T) {
	for code, want := range map[string]string{"04": "département 04", "2A": "département 2A", "974": "département 974",
		"987": "collectivité 987", "988": "collectivité 988", "98735": "commune 98735"} {
		if got := delegates.PlaceName(code); got != want {
			t.Errorf("PlaceName(%q) = %q, want %q", code, got, want)
		}
	}
}
