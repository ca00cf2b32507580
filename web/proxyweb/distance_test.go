package proxyweb_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"scrutin/demo"
)

// A volunteer's travel limit reads the same from the form and the API: a
// decimal, with a comma or a point, is rounded down (the limit is kept in
// whole km, and no one is asked to go farther than they said); out of 1
// to 20 once rounded, or not a number, it is refused with one message.
func TestVolunteerDistanceFormAndAPI(t *testing.T) {
	env := start(t)
	stored := func(email string) (km int) {
		t.Helper()
		if err := env.Pool.QueryRow(context.Background(), `SELECT max_distance_km FROM proxy_volunteers WHERE email = $1`, email).Scan(&km); err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		return km
	}
	const refused = "Indiquez en chiffres une distance de 1 à 20 km, par exemple 10."
	nne := 10000000
	for _, tc := range []struct {
		typed string
		km    int // 0: refused
	}{
		{"15,5", 15}, {"15.9", 15}, {" 7 ", 7}, {"12 km", 12}, {"1,9", 1}, {"20,9", 20},
		{"21", 0}, {"0,6", 0}, {"sept", 0}, {"loin", 0}, {"NaN", 0}, {"1e400", 0},
	} {
		t.Run("form "+tc.typed, func(t *testing.T) {
			nne++
			email := "v" + strconv.Itoa(nne) + "@form.example.org"
			c, csrf := formClient(t, env, "/procuration/volontaire")
			form := url.Values{"_csrf": {csrf}, "election": {demo.ElectionSlug}, "first_name": {"Paul"}, "last_name": {"Petit"},
				"email": {email}, "phone": {"0612345678"}, "commune_code": {"04070"}, "bureau_code": {"2"},
				"birth_date": {"1990-05-17"}, "voter_number": {strconv.Itoa(nne)}, "max_distance_km": {tc.typed}, "rounds": {"1"}, "consent": {"oui"}}
			status, body, _ := post(t, c, env.URL+"/procuration/volontaire", form)
			if tc.km == 0 {
				if status != 422 || !strings.Contains(body, `<p class="error" id="max_distance_km-error">`+refused+`</p>`) {
					t.Fatalf("%d: %s", status, body)
				}
				return
			}
			if status != 303 || stored(email) != tc.km {
				t.Fatalf("%d, stored %d km, want %d: %s", status, stored(email), tc.km, body)
			}
		})
	}
	for _, tc := range []struct {
		name string
		km   any
		want int // 0: refused
	}{
		{"2.0", 2.0, 2}, {"15.5", 15.5, 15}, {"20", 20, 20}, {"20.7", 20.7, 20}, {"21", 21, 0}, {"25", 25, 0}, {"0", 0, 0},
	} {
		t.Run("API "+tc.name, func(t *testing.T) {
			nne++
			email := "km" + tc.name + "@api.example.org"
			b := volunteerBody(email)
			b["voter_number"], b["max_distance_km"] = strconv.Itoa(nne), tc.km
			r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", b)
			if tc.want == 0 {
				if r.Status != 422 || r.Field("max_distance_km") != refused {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
				return
			}
			if r.Status != 201 || stored(email) != tc.want {
				t.Fatalf("%d %s, stored %d", r.Status, r.Body, stored(email))
			}
		})
	}
}
