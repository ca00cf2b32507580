package delegates_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"scrutin/logistics/changes"
	"scrutin/logistics/delegates"
)

// holdOld holds a form for email as it was kept before the sign-up asked
// for the town (migration 018) and took a decimal distance (019): no
// "city", the distance a JSON number. edit changes the form first.
func holdOld(t *testing.T, d *delegates.Desk, electionID int64, email string, edit func(form map[string]any)) string {
	t.Helper()
	b, err := json.Marshal(validSignup(email))
	if err != nil {
		t.Fatal(err)
	}
	var form map[string]any
	if err := json.Unmarshal(b, &form); err != nil {
		t.Fatal(err)
	}
	delete(form, "city")
	form["max_distance_km"] = 12
	edit(form)
	plain, err := changes.Hold(context.Background(), d.Pool, changes.DelegateVolunteer, electionID, email, form, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

// line is the value of a confirmation page's line.
func line(sum *changes.Summary, label string) string {
	for _, l := range sum.Lines {
		if l.Label == label {
			return l.Value
		}
	}
	return ""
}

// A change held before the sign-up asked for the town confirms without
// one, instead of asking the person to send the form again: the entry
// keeps the town it has while its address stays, and is left without one
// (staff see it missing) when the address changed, rather than pair the
// new address with the old town.
func TestHeldChangeWithoutTownConfirms(t *testing.T) {
	d, e, admin := setup(t, false)
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		cityBefore string // "" : the entry has none (signed up before 018)
		edit       func(form map[string]any)
		wantCity   string
	}{
		{"same address: the town on record stays", "Digne-les-Bains", func(map[string]any) {}, "Digne-les-Bains"},
		{"new street: no town rather than the old one", "Digne-les-Bains", func(f map[string]any) { f["address"] = "9 boulevard Gassendi" }, ""},
		{"new postal code: no town rather than the old one", "Digne-les-Bains", func(f map[string]any) { f["postal_code"] = "04200" }, ""},
		{"an entry without a town stays without", "", func(map[string]any) {}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email := strings.NewReplacer(" ", "-", ":", "").Replace(tc.name) + "@example.org"
			out, err := d.Signup(ctx, validSignup(email))
			if err != nil {
				t.Fatal(err)
			}
			if tc.cityBefore == "" {
				if _, err := d.Pool.Exec(ctx, `UPDATE delegate_volunteers SET city = NULL WHERE id = $1`, out.ID); err != nil {
					t.Fatal(err)
				}
			}
			plain := holdOld(t, d, e.ID, email, func(f map[string]any) {
				f["last_name"] = "Nouveau"
				tc.edit(f)
			})

			// The confirmation page finds nothing wrong ...
			sum, err := d.PendingChange(ctx, plain)
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.Problems) > 0 {
				t.Fatalf("problems: %v", sum.Problems)
			}
			if got := line(sum, "Distance"); got != "votre commune d'inscription et 12 km autour" {
				t.Fatalf("distance shown: %q", got)
			}
			// ... and the change applies.
			if err := d.ConfirmChange(ctx, plain); err != nil {
				t.Fatalf("confirmation refused: %v", err)
			}
			v, err := delegates.ForStaff(ctx, d.Pool, admin, out.ID)
			if err != nil {
				t.Fatal(err)
			}
			if v.LastName != "Nouveau" || v.City != tc.wantCity {
				t.Fatalf("after confirmation: last name %q, town %q, want %q", v.LastName, v.City, tc.wantCity)
			}
			if v.MaxDistanceKm == nil || *v.MaxDistanceKm != 12 {
				t.Fatalf("distance held as a JSON number: %v", v.MaxDistanceKm)
			}
			var null bool
			if err := d.Pool.QueryRow(ctx, `SELECT city IS NULL FROM delegate_volunteers WHERE id = $1`, out.ID).Scan(&null); err != nil {
				t.Fatal(err)
			}
			if null != (tc.wantCity == "") {
				t.Fatalf("town stored as NULL: %v", null)
			}
		})
	}

	// A form held since the town is asked still needs one: an empty town
	// there is refused, as it was when sent.
	t.Run("a form held with an empty town is refused", func(t *testing.T) {
		email := "recent@example.org"
		if _, err := d.Signup(ctx, validSignup(email)); err != nil {
			t.Fatal(err)
		}
		plain := holdOld(t, d, e.ID, email, func(f map[string]any) { f["city"] = " " })
		sum, err := d.PendingChange(ctx, plain)
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Problems) != 1 || sum.Problems[0] != "La commune de résidence est obligatoire." {
			t.Fatalf("problems: %v", sum.Problems)
		}
	})
}

// A form sent again with a decimal distance is held as written ("7,5"),
// shown the French way on the confirmation page, and stored to the tenth
// once confirmed.
func TestHeldChangeWithDecimalDistance(t *testing.T) {
	d, _, admin := setup(t, false)
	ctx := context.Background()
	email := "decimale@example.org"
	out, err := d.Signup(ctx, validSignup(email))
	if err != nil {
		t.Fatal(err)
	}
	in := validSignup(email)
	in.MaxDistanceKm = km("7,5")
	if held, err := d.Signup(ctx, in); err != nil || !held.Held {
		t.Fatalf("sent again: %+v %v", held, err)
	}
	plain := changeToken(t, d.Pool, email)
	sum, err := d.PendingChange(ctx, plain)
	if err != nil {
		t.Fatal(err)
	}
	if got := line(sum, "Distance"); len(sum.Problems) > 0 || got != "votre commune d'inscription et 7,5 km autour" {
		t.Fatalf("distance shown: %q (problems %v)", got, sum.Problems)
	}
	if err := d.ConfirmChange(ctx, plain); err != nil {
		t.Fatal(err)
	}
	v, err := delegates.ForStaff(ctx, d.Pool, admin, out.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.MaxDistanceKm == nil || *v.MaxDistanceKm != 7.5 || v.City != "Digne-les-Bains" {
		t.Fatalf("after confirmation: %v km, town %q", v.MaxDistanceKm, v.City)
	}
}
