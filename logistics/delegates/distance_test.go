package delegates_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"scrutin/logistics/check"
	"scrutin/logistics/delegates"
	"scrutin/logistics/places"
)

func TestParseDistance(t *testing.T) {
	const (
		rangeMsg  = "Indiquez une distance entre 1 et 200 km."
		formatMsg = "Écrivez la distance en kilomètres, avec des chiffres : par exemple 12 ou 7,5."
		tenthsMsg = "Indiquez la distance avec une décimale au plus : par exemple 7,5."
	)
	for _, tc := range []struct {
		in      string
		km      float64
		problem string
	}{
		{"7,5", 7.5, ""},
		{"7.5", 7.5, ""},
		{" 7,5 km", 7.5, ""},
		{"7,5\u00a0km", 7.5, ""},
		{"12 KM", 12, ""},
		{"12", 12, ""},
		{"12,", 12, ""},
		{"7,50", 7.5, ""},
		{"007,3", 7.3, ""},
		{"1", 1, ""},
		{"1,0", 1, ""},
		{"200", 200, ""},
		{"200,0", 200, ""},
		{"0", 0, ""}, // own bureau only
		{"0,0", 0, ""},
		{"", 0, rangeMsg},
		{"km", 0, rangeMsg},
		{"0,5", 0, rangeMsg},
		{"0,9", 0, rangeMsg},
		{"200,1", 0, rangeMsg},
		{"201", 0, rangeMsg},
		{"-3", 0, rangeMsg},
		{"-0,5", 0, rangeMsg},
		{"99999999999999999999", 0, rangeMsg},
		{"7,25", 0, tenthsMsg},
		{"7.05", 0, tenthsMsg},
		{"abc", 0, formatMsg},
		{"1e2", 0, formatMsg},
		{"7,5,1", 0, formatMsg},
		{"1 000", 0, formatMsg},
		{",5", 0, formatMsg},
		{"+5", 0, formatMsg},
		{"7 ½", 0, formatMsg},
	} {
		t.Run(tc.in, func(t *testing.T) {
			km, problem := delegates.ParseDistance(tc.in)
			if km != tc.km || problem != tc.problem {
				t.Fatalf("ParseDistance(%q) = %v, %q; want %v, %q", tc.in, km, problem, tc.km, tc.problem)
			}
		})
	}
}

func TestKmText(t *testing.T) {
	for _, tc := range []struct {
		km   float64
		want string
	}{
		{7.5, "7,5 km"}, {12, "12 km"}, {1, "1 km"}, {200, "200 km"}, {7.3, "7,3 km"}, {0.1 + 0.2 + 7, "7,3 km"},
	} {
		if got := delegates.KmText(tc.km); got != tc.want {
			t.Errorf("KmText(%v) = %q, want %q", tc.km, got, tc.want)
		}
	}
	half := 7.5
	if got := delegates.ReachText(&half); got != "sa commune d'inscription et 7,5 km autour" {
		t.Errorf("ReachText(7.5) = %q", got)
	}
}

// The API takes the distance as a JSON number or string, written either
// way; other JSON types are type errors (answered 422 for the field).
func TestDistanceFromJSON(t *testing.T) {
	for _, tc := range []struct {
		body string
		want string // "" : nil
		bad  bool
	}{
		{`{"max_distance_km": 7.5}`, "7.5", false},
		{`{"max_distance_km": 12}`, "12", false},
		{`{"max_distance_km": 1e2}`, "100", false},
		{`{"max_distance_km": 7.50}`, "7.5", false},
		{`{"max_distance_km": -3}`, "-3", false},
		{`{"max_distance_km": 1e400}`, "1e400", false}, // refused as not a number by ParseDistance
		{`{"max_distance_km": "7,5"}`, "7,5", false},
		{`{"max_distance_km": null}`, "", false},
		{`{}`, "", false},
		{`{"max_distance_km": true}`, "", true},
		{`{"max_distance_km": [7]}`, "", true},
		{`{"max_distance_km": {"km": 7}}`, "", true},
	} {
		t.Run(tc.body, func(t *testing.T) {
			var in delegates.SignupInput
			err := json.Unmarshal([]byte(tc.body), &in)
			if tc.bad {
				var typeErr *json.UnmarshalTypeError
				if !errors.As(err, &typeErr) || typeErr.Field != "max_distance_km" {
					t.Fatalf("want a type error on max_distance_km, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if in.MaxDistanceKm != nil {
				got = string(*in.MaxDistanceKm)
			}
			if (in.MaxDistanceKm == nil) != (tc.want == "") || got != tc.want {
				t.Fatalf("got %v %q, want %q", in.MaxDistanceKm != nil, got, tc.want)
			}
		})
	}
}

// A decimal distance is stored as written (to the tenth), read back as
// such, and compared to the tenth: a bureau just beyond it is refused, one
// just within it is accepted.
func TestDecimalDistanceStoredAndCompared(t *testing.T) {
	d, e, admin := setup(t, false)
	ctx := context.Background()
	from, err := places.Location(ctx, d.Pool, "04070", "1")
	if err != nil || from == nil {
		t.Fatalf("Digne-les-Bains bureau 1: %v %v", from, err)
	}
	to, err := places.Location(ctx, d.Pool, "04209", "1")
	if err != nil || to == nil {
		t.Fatalf("Sisteron bureau 1: %v %v", to, err)
	}
	dist := places.DistanceKm(*from, *to)
	below, above := math.Floor(dist*10)/10, math.Ceil(dist*10)/10
	if dist < 1 || dist > 200 || dist-below < 1e-6 || above-dist < 1e-6 {
		// The demo's bureaux are fixed: a change that puts them a whole
		// number of tenths apart must pick two others, not pass unchecked.
		t.Fatalf("the demo bureaux are %v km apart: no tenth on either side", dist)
	}
	write := func(km float64) string { return strings.Replace(fmt.Sprintf("%.1f", km), ".", ",", 1) } // French, as typed
	for _, tc := range []struct {
		name    string
		written string
		km      float64
		reach   bool
	}{
		{"a tenth short", write(below), below, false},
		{"a tenth beyond, French decimal", write(above), above, true},
		{"a tenth beyond, English decimal", strings.Replace(write(above), ",", ".", 1), above, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email := strings.NewReplacer(" ", "-", ",", "").Replace(tc.name) + "@example.org"
			in := validSignup(email)
			in.CommuneCode, in.BureauCode = "04070", "1"
			in.MaxDistanceKm = km(tc.written)
			out, err := d.Signup(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			var stored string
			if err := d.Pool.QueryRow(ctx, `SELECT max_distance_km::text FROM delegate_volunteers WHERE id = $1`, out.ID).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("%.1f", tc.km); stored != want {
				t.Fatalf("stored %s, want %s", stored, want)
			}
			v, err := delegates.ForStaff(ctx, d.Pool, admin, out.ID)
			if err != nil {
				t.Fatal(err)
			}
			if v.MaxDistanceKm == nil || *v.MaxDistanceKm != tc.km {
				t.Fatalf("read back %v, want %v", v.MaxDistanceKm, tc.km)
			}
			if want := "sa commune d'inscription et " + write(tc.km) + " km autour"; v.Reach() != want {
				t.Fatalf("reach %q, want %q", v.Reach(), want)
			}
			_, err = d.Assign(ctx, admin, delegates.ManualInput{Election: e.Slug, Round: 1, CommuneCode: "04209", BureauCode: "1",
				Role: "assesseur_titulaire", VolunteerID: out.ID})
			if tc.reach {
				if err != nil {
					t.Fatalf("%v km apart, limit %v: refused: %v", dist, tc.km, err)
				}
				// Given back for the next case.
				if _, err := d.Pool.Exec(ctx, `DELETE FROM delegate_assignments WHERE volunteer_id = $1`, out.ID); err != nil {
					t.Fatal(err)
				}
				return
			}
			inv, ok := check.AsInvalid(err)
			if !ok || !strings.Contains(inv.Fields["volunteer_id"], "trop loin : cette personne accepte sa commune d'inscription et "+write(tc.km)+" km autour") {
				t.Fatalf("%v km apart, limit %v: want too far, got %v", dist, tc.km, err)
			}
		})
	}
}
