package delegates_test

import (
	"context"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/check"
	"scrutin/logistics/delegates"
	"scrutin/logistics/staff"
)

// A role rule outside the organizer's scope names what it is outside of:
// a Pacific collectivity (987) is not called a département.
func TestRoleRuleOutsideTheScopeNamesACollectivity(t *testing.T) {
	d, e, _ := setup(t, false)
	ctx := context.Background()
	org, err := staff.Authenticate(ctx, d.Pool, demo.OrganizerEmail, demo.Password) // the 04's
	if err != nil {
		t.Fatal(err)
	}
	for scope, want := range map[string]string{
		"987": "Cette collectivité est hors de votre périmètre.",
		"988": "Cette collectivité est hors de votre périmètre.",
		"05":  "Ce département est hors de votre périmètre.",
		"974": "Ce département est hors de votre périmètre.",
	} {
		err := d.SetRoles(ctx, org, delegates.RolesInput{Election: e.Slug, Scope: scope, Roles: []string{"assesseur_titulaire"}})
		if inv, ok := check.AsInvalid(err); !ok || inv.Fields["scope"] != want {
			t.Errorf("rule of %q by the 04's organizer: %v, want « %s »", scope, err, want)
		}
	}
}
