package proxies_test

import (
	"context"
	"maps"
	"testing"

	"scrutin/logistics/check"
	"scrutin/logistics/proxies"
)

// A filter reports every bad field at once: a bad département beside a
// bad commune too (places.CheckArea alone stops at the commune), and the
// round with them. A good place is read as before.
func TestFilterReportsEveryBadPlaceAtOnce(t *testing.T) {
	const (
		badDep     = "Département inconnu : 99."
		badCommune = "Code de commune invalide (5 caractères INSEE, par exemple 04070)."
		notARound  = "Tour inconnu : choisissez le 1er ou le 2d tour."
		both       = "Indiquez une commune ou un département, pas les deux."
	)
	for _, tc := range []struct {
		f    proxies.Filter
		want check.Errors
	}{
		{proxies.Filter{Departement: "99", Commune: "abc", RoundParam: "1"}, check.Errors{"departement": badDep, "commune": badCommune}},
		{proxies.Filter{Departement: "99", Commune: "abc", RoundParam: "x"}, check.Errors{"departement": badDep, "commune": badCommune, "round": notARound}},
		{proxies.Filter{Departement: "99", Commune: "04070"}, check.Errors{"departement": badDep}},
		{proxies.Filter{Departement: "04", Commune: "abc"}, check.Errors{"commune": badCommune}},
		{proxies.Filter{Departement: "05", Commune: "04070"}, check.Errors{"commune": both}},
		{proxies.Filter{Departement: "4", Commune: "04070"}, nil},
		{proxies.Filter{Commune: "4070"}, nil},
	} {
		f := tc.f
		// No election: nothing to read from the database.
		err := f.Normalize(context.Background(), nil, false)
		inv, _ := check.AsInvalid(err)
		var got check.Errors
		if inv != nil {
			got = inv.Fields
		}
		if (err == nil) != (tc.want == nil) || !maps.Equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.f, err, tc.want)
		}
		if tc.want == nil && (f.Departement != "04" || f.Commune != "04070") {
			t.Errorf("%+v read as %q %q, want 04 04070", tc.f, f.Departement, f.Commune)
		}
	}
}
